"""The facts of a run that every statement shows at its top (period, source, version...)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunHeader:
    """Facts printed at the top of every sheet."""

    period: str
    source: str
    cost_measure: str
    generated_at: str
    version: str
    invoice_ids: tuple[str, ...]
    run_id: str = ""
    #: "final" or "provisional" (``report.status``), and why it is provisional.
    status: str = "final"
    status_reasons: tuple[str, ...] = ()
