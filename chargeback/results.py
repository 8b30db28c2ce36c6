"""What a run produced, as typed values: the one source of ``run.json`` and of what the
front ends and notebooks show.

``RunResult`` is built once by ``pipeline.run``; ``RunResult.to_json()`` is ``run.json``
(written once, from these fields, by ``RunResult.write_json``: item by item, so that a month
of many cost centers never holds its whole JSON in memory); the CLI, the Lambda handler and
notebooks read the fields, never the JSON's keys. ``summary_frame()`` and ``lines_frame()``
give the statements as pandas DataFrames for analysts (pandas is imported only when they are
called).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from chargeback.allocate.allocation import Allocation, BedrockSelection, FileRows
from chargeback.allocate.attribution import CoverageRow
from chargeback.allocate.matching import Unmatched
from chargeback.allocate.restatement import CenterDelta
from chargeback.allocate.statements import LINE_FIELDS
from chargeback.report.alerts import MonthAlerts
from chargeback.report.anomalies import spend_by_model
from chargeback.settings.model import RunConfig

if TYPE_CHECKING:  # pandas is slow to import: only notebooks that ask for frames pay for it
    import pandas as pd

TOOL = "bedrock-chargeback"


@dataclass(frozen=True)
class ManifestInfo:
    """The Data Exports manifest a run read its file list from."""

    uri: str
    fields: tuple[str, ...]
    info: dict[str, Any]


@dataclass(frozen=True)
class SourceInfo:
    """What was read: where, how recent, which schema, through which manifest."""

    uri: str
    #: When the input read was written (UTC, ISO 8601): newer data, later stamp.
    version: str
    schema: str
    manifest: ManifestInfo | None


@dataclass(frozen=True)
class RowCounts:
    input: int
    period: int
    bedrock: int
    #: Lines charged at unblended cost because the export has no net unblended value for them.
    measure_fallback_to_unblended: int
    #: How many Bedrock line items each part of the Bedrock rule selected.
    bedrock_selected_by: BedrockSelection = BedrockSelection()


@dataclass(frozen=True)
class CurrencyTotal:
    """One currency's Bedrock total and how it was charged, rounded to the cent."""

    currency: str
    export_bedrock_total: Decimal
    export_bedrock_total_exact: Decimal
    attributed: Decimal
    unattributed: Decimal
    #: Cost center -> amount, UNATTRIBUTED included, in statement order.
    cost_centers: dict[str, Decimal]


@dataclass(frozen=True)
class RunSettings:
    """The settings that shaped the figures (the rest of the config is in ``config``)."""

    cost_measure: str
    #: The measure the statements charge: ``cost_measure``, or ``unblended`` when the export
    #: has no net unblended cost on the period's Bedrock lines (``cost_measure_note`` says so).
    cost_measure_applied: str
    cost_measure_note: str
    cost_center_tag: str
    statement_tags: dict[str, str]
    net_unblended_column: bool
    #: What DuckDB applied (threads, memory limit) and how much it spilled.
    duckdb: dict[str, Any]


@dataclass(frozen=True)
class AdjustmentInfo:
    """A run for a closed month: what it changed against the closed statements (issue 18)."""

    #: "adjusted" (an adjustment set was written) or "unchanged" (no adjustment).
    status: str
    #: The adjustment set's id; None when unchanged.
    adjustment_id: str | None
    #: The run the month was closed with.
    closed_run: str
    #: The period the adjustment journal is dated in.
    post_period: str
    #: Per currency and cost center: closed + earlier adjustments, restated, adjustment.
    centers: tuple[CenterDelta, ...]
    #: Statement lines added, removed, changed or moved.
    line_changes: int
    #: Where the adjustment set is (empty when unchanged).
    location: str = ""


@dataclass(frozen=True)
class RunResult:
    """A run's figures, files and settings."""

    run_id: str
    version: str
    generated_at: str
    billing_period: str
    source: SourceInfo
    settings: RunSettings
    files: tuple[FileRows, ...]
    rows: RowCounts
    totals: tuple[CurrencyTotal, ...]
    #: The ``attribution`` block of run.json: rules, tables, policies, splits.
    attribution: dict[str, Any]
    #: Spend per attribution rule, policy and unattributed reason, per currency.
    coverage: tuple[CoverageRow, ...]
    statement_lines: int
    #: The previous month's published run the Summary compares with, if any.
    previous_run: str | None
    #: Cost center -> its statement files' path inside the month's folder, without suffix.
    statement_files: dict[str, str]
    #: Every file of the published set, relative to the month's folder.
    files_written: tuple[str, ...]
    seconds: float
    phase_seconds: dict[str, float]
    #: Where the month's set was published, and each named output's location.
    output_dir: str
    outputs: dict[str, str]
    config: RunConfig
    allocation: Allocation = field(repr=False)
    #: When newer input's statements were already published: that run (nothing replaced).
    superseded_by: str | None = None
    #: Settings still at the report templates' example values (name in chargeback.toml ->
    #: value used): the statements name "Example Corp" or post to example GL accounts.
    placeholder_settings: dict[str, str] = field(default_factory=dict)
    #: "provisional" (the period has not ended, or lines have no invoice id yet) or "final".
    status: str = "final"
    #: Why the month is provisional; empty when final.
    status_reasons: tuple[str, ...] = ()
    #: Set when the month was closed: the run wrote an adjustment (or found none).
    adjustment: AdjustmentInfo | None = None
    #: Budgets, anomaly check and the alerts they raise (issue 15); None for a run that
    #: wrote no statement set of its own.
    alerts: MonthAlerts | None = None

    #: The cost-center tag or mapping tables that match no Bedrock line of the period, with
    #: the tag keys the lines do carry (empty when every setting matched).
    unmatched: tuple[Unmatched, ...] = ()
    #: Last month's charge per (cost center, currency), from ``previous_run``; None without.
    last_month: dict[tuple[str, str], Decimal] | None = None
    #: Last month was published but its record could not be read: why (no comparison).
    previous_run_warning: str | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line per setting that matched nothing, per kind of line the Bedrock taxonomy
        could not name, per gap in the invocation logs, and for a last month published but
        unreadable (stderr, the Lambda's log line)."""
        logs = self.allocation.invocation_logs
        return (
            tuple(u.message for u in self.unmatched)
            + tuple(self.allocation.products.warnings())
            + (logs.warnings if logs else ())
            + ((self.previous_run_warning,) if self.previous_run_warning else ())
        )

    def to_json(self) -> dict[str, Any]:
        """The content of ``run.json`` (``invocation_logs`` only when the run read them)."""
        found: dict[str, Any] = _listed(self._json_parts())
        return found

    def write_json(self, out: IO[str]) -> None:
        """Write ``run.json`` to ``out``: the same text as ``json.dumps(self.to_json(),
        indent=2)`` and a newline, but its long lists (a row per cost center and model,
        token kind, alert) made and written one item at a time (issue 19: at 86,000 cost
        centers the whole document held at once, as dicts and as text, was ~1 GB)."""
        for chunk in _encoded(self._json_parts(), 0):
            out.write(chunk)
        out.write("\n")

    def _json_parts(self) -> dict[str, Any]:
        """``to_json()`` with its long lists as ``_Items`` (made when iterated)."""
        found = self._to_json()
        logs = self.allocation.invocation_logs
        if logs is not None:
            found["invocation_logs"] = logs.to_json()
        return found

    def _to_json(self) -> dict[str, Any]:
        economics = self.allocation.economics
        manifest = self.source.manifest
        return {
            "tool": TOOL,
            "version": self.version,
            "generated_at": self.generated_at,
            "billing_period": self.billing_period,
            "status": self.status,
            "status_reasons": list(self.status_reasons),
            "source": {
                "uri": self.source.uri,
                "version": self.source.version,
                "schema": self.source.schema,
                "manifest": None
                if manifest is None
                else {"uri": manifest.uri, "fields": list(manifest.fields), "info": manifest.info},
            },
            "settings": {
                "cost_measure": self.settings.cost_measure,
                "cost_measure_applied": self.settings.cost_measure_applied,
                "cost_measure_note": self.settings.cost_measure_note or None,
                "cost_center_tag": self.settings.cost_center_tag,
                "statement_tags": dict(self.settings.statement_tags),
                "net_unblended_column": self.settings.net_unblended_column,
                "duckdb": dict(self.settings.duckdb),
            },
            "placeholder_settings": dict(self.placeholder_settings),
            "files": [
                {
                    "uri": f.uri,
                    "rows": f.rows,
                    "period_rows": f.period_rows,
                    "bedrock_rows": f.bedrock_rows,
                }
                for f in self.files
            ],
            "rows": {
                "input": self.rows.input,
                "period": self.rows.period,
                "bedrock": self.rows.bedrock,
                "measure_fallback_to_unblended": self.rows.measure_fallback_to_unblended,
                "bedrock_selected_by": asdict(self.rows.bedrock_selected_by),
            },
            "totals": [
                {
                    "currency": t.currency,
                    "export_bedrock_total": money(t.export_bedrock_total),
                    "export_bedrock_total_exact": str(t.export_bedrock_total_exact.normalize()),
                    "attributed": money(t.attributed),
                    "unattributed": money(t.unattributed),
                    "cost_centers": {cc: money(a) for cc, a in t.cost_centers.items()},
                }
                for t in self.totals
            ],
            "attribution": self.attribution,
            "unmatched": [
                {
                    "setting": u.setting,
                    "value": u.value,
                    "rules": list(u.rules),
                    "message": u.message,
                    "tag_keys": [
                        {
                            "currency": k.currency,
                            "key": k.key,
                            "line_items": k.line_items,
                            "amount": money(k.amount),
                            "share_pct": f"{k.share_pct:.2f}",
                        }
                        for k in u.tag_keys
                    ],
                }
                for u in self.unmatched
            ],
            **self._alerts_json(),
            "taxonomy": self.allocation.products.to_json(),
            "unit_economics": {  # as UnitEconomics.to_json(), a row at a time
                "rows": _Items(lambda: (r.to_json() for r in economics.rows)),
                "cache": _Items(lambda: (c.to_json() for c in economics.cache)),
            },
            "outputs": list(self.files_written),
            "statement_lines": self.statement_lines,
            "run_id": self.run_id,
            "previous_run": self.previous_run,
            "previous_run_warning": self.previous_run_warning,
            "statement_files": dict(self.statement_files),
            "seconds": self.seconds,
            "phase_seconds": dict(self.phase_seconds),
        }

    def _alerts_json(self) -> dict[str, Any]:
        """``spend_by_model`` (what later months compare with), ``budgets``, ``anomalies``
        and ``alerts``."""
        found = self.alerts
        if found is None:
            return {}
        check = found.anomalies
        allocation = self.allocation
        return {
            "spend_by_model": _Items(
                lambda: (
                    {
                        "cost_center": s.cost_center,
                        "model": s.model,
                        "currency": s.currency,
                        "amount": money(s.amount),
                    }
                    for s in spend_by_model(allocation)
                )
            ),
            "budgets": [
                {
                    "cost_center": b.cost_center,
                    "currency": b.currency,
                    "budget": money(b.budget),
                    "spent": money(b.spent),
                    "remaining": money(b.remaining),
                    "used_pct": None if b.used_pct is None else str(b.used_pct),
                    "projected": None if b.projected is None else money(b.projected),
                    "flag": b.flag or None,
                }
                for b in found.budgets
            ],
            "anomalies": {
                "history": list(check.history),
                "enough_history": check.enough,
                "note": check.note,
                "flags": [
                    {
                        "cost_center": a.cost_center,
                        "model": a.model or None,
                        "currency": a.currency,
                        "amount": money(a.amount),
                        "projected": a.projected,
                        "median": money(a.median),
                        "months": a.months,
                        "ratio": str(a.ratio),
                    }
                    for a in check.flags
                ],
                "day_flags": [
                    {
                        "cost_center": d.cost_center,
                        "currency": d.currency,
                        "day": d.day,
                        "amount": money(d.amount),
                        "median": money(d.median),
                        "days": d.days,
                        "ratio": str(d.ratio),
                    }
                    for d in check.days
                ],
            },
            "alerts": _Items(
                lambda: (
                    {
                        "kind": a.kind,
                        "cost_center": a.cost_center,
                        "model": a.model or None,
                        "currency": a.currency,
                        "amount": money(a.amount),
                        "reference": money(a.reference),
                        "projected": None if a.projected is None else money(a.projected),
                        "message": a.message,
                    }
                    for a in found.alerts
                )
            ),
        }

    def summary_frame(self) -> pd.DataFrame:
        """One row per cost center and currency (UNATTRIBUTED included): amount, share,
        line items; amounts as ``Decimal``, exact to the cent as on the statements."""
        import pandas as pd

        rows = [
            {
                "billing_period": self.billing_period,
                "cost_center": cc.cost_center,
                "currency": cc.currency,
                "amount": cc.amount,
                "share_pct": cc.share_pct,
                "line_items": sum(ln.line_items for ln in cc.lines),
            }
            for t in self.allocation.totals
            for cc in t.cost_centers
        ]
        columns = ["billing_period", "cost_center", "currency", "amount", "share_pct"]
        return pd.DataFrame(rows, columns=[*columns, "line_items"])

    def lines_frame(self) -> pd.DataFrame:
        """Every statement line (the lines CSV's rows, before formatting): tags, model,
        usage, amount as ``Decimal``, line items."""
        import pandas as pd

        names = [*LINE_FIELDS, "usage_amount", "amount", "line_items"]
        rows = [
            {"billing_period": self.billing_period, **{n: getattr(ln, n) for n in names}}
            for ln in self.allocation.lines
        ]
        return pd.DataFrame(rows, columns=["billing_period", *names])


def money(value: Decimal) -> str:
    """An amount as run.json writes it: two decimals."""
    return f"{value:.2f}"


class _Items:
    """A list of run.json whose items are made only as they are written (``make`` gives
    them afresh each time it is iterated)."""

    def __init__(self, make: Callable[[], Iterable[Any]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[Any]:
        return iter(self._make())


def _listed(value: Any) -> Any:
    """``value`` with every ``_Items`` in it made into a list."""
    if isinstance(value, _Items):
        return list(value)
    if isinstance(value, dict):
        return {k: _listed(v) for k, v in value.items()}
    return value


def _encoded(value: Any, level: int) -> Iterator[str]:
    """``json.dumps(_listed(value), indent=2)`` in pieces, at nesting ``level``: the dicts
    that hold an ``_Items`` and the ``_Items`` themselves written a member at a time, every
    other value by ``json.dumps`` (re-indented: JSON text holds no raw newline but between
    its tokens)."""
    inner = "\n" + "  " * (level + 1)
    if isinstance(value, _Items):
        empty = True
        for item in value:
            yield ("[" if empty else ",") + inner
            empty = False
            yield from _encoded(item, level + 1)
        yield "[]" if empty else "\n" + "  " * level + "]"
        return
    if isinstance(value, dict) and _holds_items(value):
        yield "{"
        for i, (key, member) in enumerate(value.items()):
            yield ("," if i else "") + inner + json.dumps(key) + ": "
            yield from _encoded(member, level + 1)
        yield "\n" + "  " * level + "}"
        return
    yield json.dumps(value, indent=2).replace("\n", "\n" + "  " * level)


def _holds_items(value: Any) -> bool:
    if isinstance(value, _Items):
        return True
    return isinstance(value, dict) and any(_holds_items(v) for v in value.values())
