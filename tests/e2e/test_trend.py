"""Month over month and ``chargeback trend``: three generated months published to one
``--out``, their figures checked against sums made here from each month's Parquet rows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from chargeback.errors import OutputError
from chargeback.frontends.cli import app
from chargeback.publish.destination import open_destination
from chargeback.publish.published import latest_published, published_months
from chargeback.settings.model import Period
from sample_data.generator.cur2 import BEDROCK_PRODUCT_CODES, write_cur2_export
from tests.support.runs import read_csv

D = Decimal
CENT = D("0.01")
MONTHS = {"2026-08": 3, "2026-09": 5, "2026-10": 7}  # period -> generator seed
runner = CliRunner()


def expected(source: Path, period: str) -> dict[str, Decimal]:
    """Cost center -> net charge (UNATTRIBUTED: the rest), from the month's Parquet rows."""
    rows = [r for p in sorted(source.rglob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    rows = [r for r in rows if r["bill_billing_period_start_date"].strftime("%Y-%m") == period]

    def product_name(r: dict[str, Any]) -> str:
        return dict(cast(list[tuple[str, str]], r.get("product") or [])).get("product_name") or ""

    # Marketplace models' codes: their usage lines are named for Bedrock, their tax is not
    marketplace = {
        r["line_item_product_code"]
        for r in rows
        if r["bill_billing_entity"] == "AWS Marketplace" and "Bedrock" in product_name(r)
    }
    exact: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        code = r["line_item_product_code"]
        if code not in BEDROCK_PRODUCT_CODES and code not in marketplace:
            continue
        tags = dict(cast(list[tuple[str, str]], r.get("resource_tags") or []))
        tag = (tags.get("user_cost_center") or "").strip()
        exact[tag or "UNATTRIBUTED"] += D(repr(r["line_item_net_unblended_cost"]))
    return {k: v.quantize(CENT) for k, v in exact.items()}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("history")
    out = root / "out"
    outputs: dict[str, Any] = {}
    for period, seed in MONTHS.items():
        source = root / f"src-{period}"
        write_cur2_export(source, period, seed)
        got = runner.invoke(app, ["run", str(source), "--period", period, "--out", str(out)])
        assert got.exit_code == 0, got.output
        outputs[period] = {"stdout": got.stdout, "expected": expected(source, period)}
    return out, outputs


def test_each_cost_center_within_a_cent_of_its_rows(history: tuple[Path, dict[str, Any]]) -> None:
    out, outputs = history
    for period in MONTHS:
        summary = read_csv(out / period / f"chargeback-{period}-summary.csv")
        got = {r["cost_center"]: D(r["amount"]) for r in summary}
        want = outputs[period]["expected"]
        assert set(got) == set(want)
        for name, amount in want.items():
            assert abs(got[name] - amount) <= CENT, (period, name)


def test_summary_csv_and_terminal_show_the_change_since_last_month(
    history: tuple[Path, dict[str, Any]],
) -> None:
    out, outputs = history
    first = read_csv(out / "2026-08" / "chargeback-2026-08-summary.csv")
    assert {(r["last_month"], r["change"], r["change_pct"]) for r in first} == {("", "", "")}
    for period, before in (("2026-09", "2026-08"), ("2026-10", "2026-09")):
        now = {
            r["cost_center"]: r for r in read_csv(out / period / f"chargeback-{period}-summary.csv")
        }
        last = {
            r["cost_center"]: D(r["amount"])
            for r in read_csv(out / before / f"chargeback-{before}-summary.csv")
        }
        for name, row in now.items():
            assert D(row["last_month"]) == last[name]
            assert D(row["change"]) == D(row["amount"]) - last[name]
            pct = (D(row["amount"]) - last[name]) * 100 / last[name]
            assert D(row["change_pct"]) == pct.quantize(CENT)
            change = D(row["amount"]) - last[name]
            line = next(ln for ln in outputs[period]["stdout"].splitlines() if f"  {name} " in ln)
            assert f"{change:+,.2f} since last month" in line


def test_trend_table_is_the_published_months(history: tuple[Path, dict[str, Any]]) -> None:
    out, _ = history
    got = runner.invoke(app, ["trend", "--out", str(out), "--months", "6"])
    assert got.exit_code == 0, got.output
    lines = got.stdout.splitlines()
    assert lines[0] == f"Bedrock chargeback by month in {out}: 2026-08 to 2026-10"
    assert lines[1].split() == ["USD", "2026-08", "2026-09", "2026-10", "change"]
    sums = {p: read_csv(out / p / f"chargeback-{p}-summary.csv") for p in MONTHS}
    amounts = {p: {r["cost_center"]: D(r["amount"]) for r in rows} for p, rows in sums.items()}
    rows = {ln.split()[0]: ln.split()[1:] for ln in lines[2:]}
    assert list(rows)[-2:] == ["UNATTRIBUTED", "TOTAL"]
    for name in amounts["2026-10"]:
        figures = [D(v.replace(",", "")) for v in rows[name][:3]]
        assert figures == [amounts[p][name] for p in MONTHS]
        change = amounts["2026-10"][name] - amounts["2026-09"][name]
        assert rows[name][3] == f"{change:+,.2f}"
    totals = [D(v.replace(",", "")) for v in rows["TOTAL"][:3]]
    assert totals == [sum(amounts[p].values()) for p in MONTHS]
    # two months up to September only
    got = runner.invoke(app, ["trend", "--out", str(out), "--months", "2", "--period", "2026-09"])
    assert got.stdout.splitlines()[1].split() == ["USD", "2026-08", "2026-09", "change"]


def test_published_months_reads_what_was_published(history: tuple[Path, dict[str, Any]]) -> None:
    out, _ = history
    destination = open_destination(str(out))
    assert latest_published(destination, Period.parse("2027-03")) == Period.parse("2026-10")
    months = published_months(destination, Period.parse("2026-11"), 6)
    assert [m.period for m in months] == list(MONTHS)  # 2026-11 and earlier months: none
    october = months[-1]
    # the run record's figures only, not its other members (unit economics: most of it)
    assert set(october.record) == {"totals", "spend_by_model", "status"}
    summary = read_csv(out / "2026-10" / "chargeback-2026-10-summary.csv")
    assert october.amounts == {(r["cost_center"], "USD"): D(r["amount"]) for r in summary}


def test_a_trend_with_nothing_published_or_a_damaged_record(tmp_path: Path) -> None:
    got = runner.invoke(app, ["trend", "--out", str(tmp_path / "none")])
    assert got.exit_code == 0
    assert "no published months in" in got.stdout
    month = tmp_path / "out" / "2026-10"
    month.mkdir(parents=True)
    (month / "run.json").write_text('{"totals": [{"currency": "USD"}]}')
    with pytest.raises(OutputError, match="is not a chargeback run record"):
        published_months(open_destination(str(tmp_path / "out")), Period.parse("2026-10"), 1)
    got = runner.invoke(app, ["trend", "--out", str(tmp_path / "out")])
    assert got.exit_code != 0 and "is not a chargeback run record" in got.output
