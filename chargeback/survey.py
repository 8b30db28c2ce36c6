"""What an export holds before a run: its billing periods, and the coverage of the rules.

``periods`` lists every billing period in SOURCE with row counts and Bedrock totals;
``coverage_report`` allocates one period (rules and policies as configured) without writing
statements, to show how much Bedrock spend each rule attributes and what stays unattributed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.attribution import (
    CoverageRow,
    coverage,
    invalid_cost_centers,
    unattributed_kinds,
)
from chargeback.allocate.engine import Engine
from chargeback.allocate.money import exact_arithmetic, round_money
from chargeback.pipeline import Progress, read_and_allocate
from chargeback.read.schema import canonical_view, detect_schema
from chargeback.read.sources import open_source
from chargeback.settings.model import RunConfig
from chargeback.taxonomy import PolicyKind


@dataclass(frozen=True)
class PeriodRow:
    """One billing period (and currency) present in an export."""

    period: str
    currency: str
    rows: int
    bedrock_rows: int
    bedrock_net: Decimal
    bedrock_unblended: Decimal


@exact_arithmetic
def periods(uri: str, threads: int | None = None) -> list[PeriodRow]:
    """Billing periods found in every Parquet file under ``uri`` (no manifest is applied)."""
    source = open_source(uri, None)
    schema = detect_schema(source.files, ["CostCenter"])
    engine = Engine(threads)
    try:
        engine.register_cur(canonical_view(engine.con, source, schema))
        found = engine.fetch("90_period_totals").dicts()
    finally:
        engine.close()
    return [
        PeriodRow(
            period=str(r["period"]),
            currency=str(r["currency"]),
            rows=int(r["rows"]),
            bedrock_rows=int(r["bedrock_rows"]),
            bedrock_net=round_money(Decimal(r["bedrock_net"])),
            bedrock_unblended=round_money(Decimal(r["bedrock_unblended"])),
        )
        for r in found
    ]


@dataclass(frozen=True)
class CoverageReport:
    allocation: Allocation
    rows: tuple[CoverageRow, ...]
    invalid: tuple[dict[str, str], ...]
    #: (currency, policy kind) -> unattributed amount found, and the policy configured.
    kinds: tuple[tuple[str, str, Decimal, str], ...]


@exact_arithmetic
def coverage_report(config: RunConfig, progress: Progress | None = None) -> CoverageReport:
    """Allocate ``config.period`` as a run would, and summarize it; nothing is written."""
    # coverage is where one looks at what matches: it shows a setting that matches nothing
    # (CoverageReport.allocation.unmatched) and never stops on it, strict or not
    relaxed = replace(config, strict=False)
    _source, _schema, allocation = read_and_allocate(relaxed, progress or (lambda _p: None))
    kinds = tuple(
        (currency, kind, amount, config.rules.policy(PolicyKind(kind)).method.value)
        for (currency, kind), amount in sorted(unattributed_kinds(allocation).items())
    )
    return CoverageReport(
        allocation, tuple(coverage(allocation)), tuple(invalid_cost_centers(allocation)), kinds
    )
