"""An earlier month whose run.json is damaged: this month's run still publishes, its anomaly
check names the month and why in its note (run.json, the Alerts sheet, report.html), and the
median is taken over the other months only. ``chargeback trend`` stops on the same month
with the file named. Figures are checked against the rows' own sums, to the cent."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from chargeback.frontends.cli import app
from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from chargeback.settings.rules import AllocationRules
from tests.support.builders import write
from tests.support.history_months import (
    CANONICAL,
    RUN_AT,
    master,
    median_of,
    month_rows,
    projected,
    spent,
)

EARLIER = ("2026-06", "2026-07", "2026-08", "2026-09")
DAMAGED = "2026-08"
runner = CliRunner()


def publish(tmp: Path) -> tuple[list[dict[str, Any]], Path]:
    """Four whole months and October (on its 20th day) in one export; the four published."""
    rng = random.Random(15)
    rows = [r for m in (*EARLIER, "2026-10") for r in month_rows(m, rng)]
    write(tmp / "export" / "data" / "part-1.parquet", rows)
    out = tmp / "out"
    for month in EARLIER:
        period = Period.parse(month)  # run on the 3rd of the month after (all in 2026)
        run(config(tmp, month), now=datetime(period.year, period.month + 1, 3, 8, tzinfo=UTC))
    return rows, out


def config(tmp: Path, month: str) -> RunConfig:
    return RunConfig(
        source=str(tmp / "export"),
        period=Period.parse(month),
        out=str(tmp / "out"),
        rules=AllocationRules(master=master()),
    )


def test_a_damaged_earlier_month_is_named_and_left_out_of_the_median(tmp_path: Path) -> None:
    rows, out = publish(tmp_path)
    record = (out / DAMAGED / "run.json").resolve()
    os.chmod(record, 0o644)
    record.write_text('{"totals": [{"currency": "USD", "cost_ce')  # cut short

    result: RunResult = run(config(tmp_path, "2026-10"), now=RUN_AT["2026-10"])

    # published all the same
    published = json.loads((out / "2026-10" / "run.json").read_text(encoding="utf-8"))
    assert published["run_id"] == result.run_id
    assert (out / "2026-10" / "chargeback-2026-10.xlsx").is_file()
    alerts = result.alerts
    assert alerts is not None
    check = alerts.anomalies
    counted = ("2026-09", "2026-07", "2026-06")
    assert check.enough and check.history == counted
    note = check.note
    assert "compared with the median of 3 previous month(s) (2026-09, 2026-07, 2026-06)" in note
    assert f"; {DAMAGED} not counted, its record could not be read: {out / DAMAGED}" in note
    assert "is not valid JSON" in note
    assert published["anomalies"]["note"] == note

    # the median of the three readable months, from the rows
    flags = {(f.cost_center, f.model): f for f in check.flags}
    claude = "Claude Sonnet 4.6"
    whole = flags[("CC-2002", "")]
    assert whole.months == 3
    assert whole.median == median_of([spent(rows, m, "CC-2002") for m in counted])
    assert whole.amount == projected(spent(rows, "2026-10", "CC-2002"))
    by_model = flags[("CC-2002", CANONICAL[claude])]
    assert by_model.median == median_of([spent(rows, m, "CC-2002", claude) for m in counted])
    # with the damaged month it would have been another figure: it really was left out
    four = [spent(rows, m, "CC-2002") for m in (*counted, DAMAGED)]
    assert median_of(four) != whole.median

    # the Alerts sheet and report.html carry the note
    book = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    cells = [str(c.value) for row in book["Alerts"].iter_rows() for c in row if c.value]
    assert any(f"{DAMAGED} not counted" in c and "is not valid JSON" in c for c in cells)
    html = (out / "2026-10" / "report.html").read_text(encoding="utf-8")
    assert f"{DAMAGED} not counted, its record could not be read" in html

    # the trend does not guess: it stops on the damaged month, naming its file
    got = runner.invoke(app, ["trend", "--out", str(out), "--period", "2026-10"])
    assert got.exit_code != 0
    assert str(out / DAMAGED / "run.json") in got.output and "is not valid JSON" in got.output
