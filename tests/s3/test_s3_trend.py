"""``chargeback trend`` over months published to S3 (moto's server on loopback): each month
is read through its ``current.json``, from the ``run.json`` of the run it names."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from chargeback.frontends.cli import app
from chargeback.publish.destination import open_destination
from chargeback.publish.published import published_months
from chargeback.settings.model import Period
from tests.support.builders import tagged, write
from tests.support.s3server import S3

OUT = "s3://finance-reports/chargeback"
runner = CliRunner()


def test_trend_reads_the_months_published_to_s3(s3: S3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket="finance-reports")
    months = {
        "2026-09": [tagged("p1", "CC-1", 10.00), tagged("p2", "CC-2", 5.25)],
        "2026-10": [tagged("p1", "CC-1", 12.50), tagged("p3", None, 1.10)],
    }
    for period, month_rows in months.items():
        dated = [
            {
                **r,
                "bill_billing_period_start_date": r["bill_billing_period_start_date"].replace(
                    month=int(period[-2:])
                ),
            }
            for r in month_rows
        ]
        write(tmp_path / period / "data" / "part-1.parquet", dated)
        got = runner.invoke(app, ["run", str(tmp_path / period), "--period", period, "--out", OUT])
        assert got.exit_code == 0, got.output
    got = runner.invoke(app, ["trend", "--out", OUT, "--period", "2026-10", "--months", "3"])
    assert got.exit_code == 0, got.output
    table = {ln.split()[0]: ln.split()[1:] for ln in got.stdout.splitlines()[1:]}
    assert table["USD"] == ["2026-09", "2026-10", "change"]
    assert table["CC-1"] == ["10.00", "12.50", "+2.50", "(+25.0%)"]
    assert table["CC-2"] == ["5.25", "-", "-5.25", "(-100.0%)"]
    assert table["UNATTRIBUTED"] == ["-", "1.10", "+1.10"]  # nothing unattributed in September
    assert table["TOTAL"] == ["15.25", "13.60", "-1.65", "(-10.8%)"]
    # the months as anomaly detection reads them: each run's run.json, via current.json, for
    # its figures only
    months_read = published_months(open_destination(OUT), Period.parse("2026-10"), 6)
    assert [m.period for m in months_read] == ["2026-09", "2026-10"]
    october = months_read[-1]
    assert october.uri.startswith(f"{OUT}/2026-10/runs/") and october.uri.endswith("/run.json")
    assert set(october.record) == {"totals", "spend_by_model", "status"}
    assert october.amounts == {
        ("CC-1", "USD"): Decimal("12.50"),
        ("UNATTRIBUTED", "USD"): Decimal("1.10"),
    }
