"""On S3 the months published before are found through each month's current.json, and
their run.json under runs/<id>/: the same anomaly flags as from a local folder."""

from __future__ import annotations

from pathlib import Path

from tests.support.history_months import MONTHS, median_of, projected, publish_history, spent
from tests.support.s3server import S3


def test_anomalies_read_the_history_published_on_s3(s3: S3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket="reports")
    rows, results = publish_history(tmp_path, out="s3://reports/chargeback")
    alerts = results["2026-10"].alerts
    assert alerts is not None
    assert alerts.anomalies.history == ("2026-09", "2026-08")
    flags = {(f.cost_center, f.model): f for f in alerts.anomalies.flags}
    assert set(flags) == {("CC-2002", ""), ("CC-2002", "Claude Sonnet 4.6")}
    claude = flags[("CC-2002", "Claude Sonnet 4.6")]
    model = "Claude Sonnet 4.6"
    assert claude.amount == projected(spent(rows, "2026-10", "CC-2002", model))
    assert claude.median == median_of([spent(rows, m, "CC-2002", model) for m in MONTHS[:2]])
    assert "report.html" in results["2026-10"].files_written
