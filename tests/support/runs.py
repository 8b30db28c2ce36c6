"""Running the whole pipeline over rows built in a test and reading the CSVs back."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from chargeback.settings.rules import AllocationRules
from tests.support.builders import write

#: The ``run_on`` fixture: runs the chargeback on a source for a period (settings as keywords).
RunFn = Callable[..., RunResult]


def run_rows(
    tmp_path: Path,
    rows: Sequence[Mapping[str, Any]],
    rules: AllocationRules | None = None,
    **kw: Any,
) -> RunResult:
    write(tmp_path / "export" / "data" / "part-1.parquet", rows)
    config = RunConfig(
        source=str(tmp_path / "export"),
        period=Period.parse("2026-10"),
        out=str(tmp_path / "out"),
        rules=rules or AllocationRules(),
        **kw,
    )
    return run(config)


def read_csv(path: str | Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def summary_amounts(result: RunResult) -> dict[str, str]:
    """cost center -> amount, as the text the summary CSV holds."""
    rows = read_csv(Path(result.outputs["summary"]))
    return {r["cost_center"]: r["amount"] for r in rows}


def summary(result: RunResult) -> dict[str, Decimal]:
    """cost center -> amount, from the summary CSV as written."""
    return {r["cost_center"]: Decimal(r["amount"]) for r in read_csv(result.outputs["summary"])}


def lines(result: RunResult) -> list[dict[str, str]]:
    return read_csv(result.outputs["lines"])


def by(rows: Sequence[Mapping[str, str]], *keys: str) -> dict[tuple[str, ...], Decimal]:
    """Sum of ``amount`` per combination of ``keys``."""
    out: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for r in rows:
        out[tuple(r[k] for k in keys)] += Decimal(r["amount"])
    return dict(out)
