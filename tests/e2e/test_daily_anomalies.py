"""Daily spend inside the month: a cost center's usage day far above the median of its other
days is flagged, with the figures an independent computation over the Parquet rows gives,
wherever the monthly flags appear (run.json, the Alerts sheet, report.html, the terminal).
It needs no earlier month. ``day_ratio = 0`` turns it off and leaves the statements as they
were."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from chargeback.errors import ConfigError
from chargeback.frontends.cli import app
from chargeback.pipeline import run
from chargeback.settings.files import load_settings
from chargeback.settings.model import Period, RunConfig
from chargeback.settings.rules import AlertThresholds
from tests.support.daily_spike import (
    SPIKE_CC,
    SPIKE_DAY,
    daily_sums,
    expected_day_flags,
    write_spike_month,
)
from tests.support.runs import read_csv

runner = CliRunner()


def test_the_spiking_day_is_flagged_with_the_rows_figures(tmp_path: Path) -> None:
    rows = write_spike_month(tmp_path / "export")
    out = tmp_path / "out"
    got = runner.invoke(
        app, ["run", str(tmp_path / "export"), "--period", "2026-10", "--out", str(out)]
    )
    assert got.exit_code == 0, got.output

    expected = expected_day_flags(rows)
    assert list(expected) == [(SPIKE_CC, SPIKE_DAY)]  # the fixture does what it says
    amount, median, days, ratio = expected[(SPIKE_CC, SPIKE_DAY)]
    assert days == 19 and ratio > 10

    record = json.loads((out / "2026-10" / "run.json").read_text(encoding="utf-8"))
    anomalies = record["anomalies"]
    assert anomalies["day_flags"] == [
        {
            "cost_center": SPIKE_CC,
            "currency": "USD",
            "day": SPIKE_DAY,
            "amount": f"{amount:.2f}",
            "median": f"{median:.2f}",
            "days": 19,
            "ratio": str(ratio),
        }
    ]
    # no earlier month was needed, and the note says what was compared
    assert anomalies["enough_history"] is False
    assert (
        "days inside the month: each cost center's usage day compared with the median"
        in (anomalies["note"])
    )
    # the 400.00 tax line dated the 1st is not a day's usage: CC-1001 is not flagged
    assert all(f["cost_center"] != "CC-1001" for f in anomalies["day_flags"])
    assert record["totals"][0]["cost_centers"]["CC-1001"] == f"{_total(rows, 'CC-1001'):.2f}"

    message = (
        f"{SPIKE_CC} spent {amount:,} USD on {SPIKE_DAY}, {ratio} times the median of its "
        f"other 19 day(s) with spend this month ({median:,} USD)"
    )
    alerts = [a for a in record["alerts"] if a["kind"] == "day_above_median"]
    assert [a["message"] for a in alerts] == [message]
    assert alerts[0]["amount"] == f"{amount:.2f}" and alerts[0]["reference"] == f"{median:.2f}"
    assert message in got.output  # the terminal

    book = openpyxl.load_workbook(out / "2026-10" / "chargeback-2026-10.xlsx", data_only=True)
    cells = [c.value for row in book["Alerts"].iter_rows() for c in row if c.value is not None]
    assert message in cells and "day_above_median" in cells
    html = (out / "2026-10" / "report.html").read_text(encoding="utf-8")
    assert message in html

    # the days add up to the month's usage (the rows' own sums), and the statements charge it
    sums = daily_sums(rows)
    assert len([k for k in sums if k[0] == SPIKE_CC]) == 20
    assert record["totals"][0]["cost_centers"][SPIKE_CC] == f"{_total(rows, SPIKE_CC):.2f}"


def _total(rows: list[dict[str, object]], cc: str) -> Decimal:
    total = Decimal(0)
    for r in rows:
        tags = r["resource_tags"]
        assert isinstance(tags, dict)
        if tags["user_cost_center"] == cc:
            total += Decimal(repr(r["line_item_net_unblended_cost"]))
    return total.quantize(Decimal("0.01"))


def test_a_higher_day_ratio_or_floor_flags_nothing_and_zero_turns_it_off(tmp_path: Path) -> None:
    rows = write_spike_month(tmp_path / "export")
    amount, _median, _days, ratio = expected_day_flags(rows)[(SPIKE_CC, SPIKE_DAY)]
    base = RunConfig(source=str(tmp_path / "export"), period=Period.parse("2026-10"), out="-")

    def flags(alerts: AlertThresholds, name: str) -> tuple[object, ...]:
        result = run(replace(base, out=str(tmp_path / name), alerts=alerts))
        assert result.alerts is not None
        return result.alerts.anomalies.days

    assert flags(AlertThresholds(day_ratio=ratio + 1), "higher") == ()
    assert flags(AlertThresholds(min_day_amount=amount + 1), "floor") == ()
    off = run(
        replace(base, out=str(tmp_path / "off"), alerts=AlertThresholds(day_ratio=Decimal(0)))
    )
    assert off.alerts is not None and off.alerts.anomalies.days == ()
    assert "days inside the month not compared (alerts.day_ratio = 0)" in (
        off.alerts.anomalies.note
    )
    on = run(replace(base, out=str(tmp_path / "on")))
    assert on.alerts is not None and len(on.alerts.anomalies.days) == 1
    # with or without the day in the scan's groups, the same statements
    assert read_csv(off.outputs["lines"]) == read_csv(on.outputs["lines"])
    assert read_csv(off.outputs["summary"]) == read_csv(on.outputs["summary"])


@pytest.mark.parametrize("value", ["0.5", "1", "-2", '"x"'])
def test_a_day_ratio_between_0_and_1_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "chargeback.toml"
    path.write_text(f"[alerts]\nday_ratio = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts\.day_ratio"):
        load_settings(path)


def test_day_thresholds_are_read_from_chargeback_toml(tmp_path: Path) -> None:
    path = tmp_path / "chargeback.toml"
    path.write_text("[alerts]\nday_ratio = 4\nmin_day_amount = 25\n", encoding="utf-8")
    alerts = load_settings(path).alerts
    assert (alerts.day_ratio, alerts.min_day_amount) == (Decimal(4), Decimal(25))
    assert AlertThresholds().day_ratio == Decimal(3)  # the documented default
