"""Last month published but its run.json unreadable: this month still publishes, without the
last-month comparison, and says so (a warning on stderr, ``previous_run_warning`` in
run.json), where before it silently showed no comparison. Last month's figures come through
``publish/published.py`` and ``run_record.py``, as the trend's and anomaly check's do."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chargeback.frontends.cli import app
from tests.support.builders import cur2_row, write
from tests.support.runs import read_csv

runner = CliRunner()


def export(tmp: Path) -> Path:
    rows = [
        cur2_row("2026-09", 30.00, resource_tags={"user_cost_center": "CC-1001"}),
        cur2_row("2026-10", 36.60, resource_tags={"user_cost_center": "CC-1001"}),
        cur2_row("2026-10", 1.25),
    ]
    write(tmp / "export" / "data.parquet", rows)
    return tmp / "export"


def run_month(source: Path, out: Path, period: str) -> tuple[int, str]:
    got = runner.invoke(app, ["run", str(source), "--period", period, "--out", str(out)])
    return got.exit_code, got.output


def test_readable_last_month_is_compared(tmp_path: Path) -> None:
    source, out = export(tmp_path), tmp_path / "out"
    assert run_month(source, out, "2026-09")[0] == 0
    code, output = run_month(source, out, "2026-10")
    assert code == 0, output
    record = json.loads((out / "2026-10" / "run.json").read_text(encoding="utf-8"))
    assert record["previous_run"] == str(out / "2026-09" / "run.json")
    assert record["previous_run_warning"] is None
    summary = out / "2026-10" / "chargeback-2026-10-summary.csv"
    rows = {r["cost_center"]: r for r in read_csv(summary)}
    assert rows["CC-1001"]["last_month"] == "30.00"
    assert rows["CC-1001"]["change"] == "6.60"
    assert "no comparison with last month" not in output


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        ('{"totals": [{"currency": "USD", "cost_ce', "is not valid JSON"),
        ('{"totals": [{"currency": "USD"}]}', "is not a chargeback run record"),
    ],
)
def test_unreadable_last_month_is_said_not_skipped(tmp_path: Path, damage: str, why: str) -> None:
    source, out = export(tmp_path), tmp_path / "out"
    assert run_month(source, out, "2026-09")[0] == 0
    september = (out / "2026-09" / "run.json").resolve()
    os.chmod(september, 0o644)
    september.write_text(damage, encoding="utf-8")

    code, output = run_month(source, out, "2026-10")

    assert code == 0, output  # this month's statements do not depend on last month
    record = json.loads((out / "2026-10" / "run.json").read_text(encoding="utf-8"))
    warning = record["previous_run_warning"]
    assert warning.startswith("no comparison with last month: 2026-09 was published but its ")
    assert str(out / "2026-09" / "run.json") in warning and why in warning
    assert record["previous_run"] is None
    assert "warning: no comparison with last month: 2026-09" in output
    summary = read_csv(out / "2026-10" / "chargeback-2026-10-summary.csv")
    cc = next(r for r in summary if r["cost_center"] == "CC-1001")
    assert (cc["last_month"], cc["change"], cc["change_pct"]) == ("", "", "")
    assert record["totals"][0]["cost_centers"]["CC-1001"] == "36.60"
