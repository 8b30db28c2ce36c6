"""The commands around the rules: config check, coverage, periods, run --config; README kept true.

The sample month with the README's example config is checked to the cent against figures
computed here from the Parquet rows in plain Python (no DuckDB, no chargeback code).
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from builders import PROJECT, cur2_row, write
from conftest import REPO, SAMPLE, read_csv
from typer.testing import CliRunner

from chargeback.frontends.cli import app

EXAMPLE = REPO / "examples" / "sample-config" / "chargeback.toml"
D = Decimal
CENT = D("0.01")
runner = CliRunner()


def readme_block(marker: str) -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```text\n(.+?)\n```", text, flags=re.S)
    assert match, marker
    return match.group(1).splitlines()


def test_config_check_prints_the_resolved_settings() -> None:
    result = runner.invoke(app, ["config", "check", "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "policy tax: proportional" in result.stdout
    assert "master list: 3 cost centers (3 active), 1 aliases" in result.stdout
    assert "mapping rows: 2 resource, 0 principal, 0 account" in result.stdout
    assert result.stdout.rstrip().endswith("config OK")


def test_config_check_refuses_a_bad_file_with_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "chargeback.toml"
    bad.write_text("[policies]\ntax = 'halve'\n", encoding="utf-8")
    result = runner.invoke(app, ["config", "check", "--config", str(bad)])
    assert result.exit_code == 3
    assert f"{bad}: policies.tax = 'halve' is not one of keep, proportional" in result.stderr


def test_coverage_output_is_the_one_in_the_readme() -> None:
    args = ["coverage", str(SAMPLE), "--period", "2026-10", "--config", str(EXAMPLE)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == readme_block("coverage-output")


def sample_expected() -> dict[str, Decimal]:
    """The example config applied to the sample by hand: tags, map, master, tax split."""
    master = {"cc-1001": "CC-1001", "cc-2002": "CC-2002", "cc-3003": "CC-3003", "cc2002": "CC-2002"}
    resource_map = {
        "z9y8x7w6v5u4": "cc-3003",
        "arn:aws:bedrock:us-east-1:777788889999:custom-model/amazon.nova-pro-v1:0:300k/"
        "cm7x2q9w4e1r": "cc2002",
    }
    codes = ("AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels")
    exact: dict[str, Decimal] = defaultdict(Decimal)
    usage: dict[str, Decimal] = defaultdict(Decimal)
    tax_pool = D(0)
    for path in sorted(SAMPLE.glob("data/*/*.parquet")):
        for row in pq.read_table(path).to_pylist():
            product = dict(row.get("product") or [])
            bedrock = (
                row["product_product_family"] == "Amazon Bedrock"
                or row["line_item_product_code"] in codes
                or (
                    row["bill_billing_entity"] == "AWS Marketplace"
                    and "amazon bedrock" in (product.get("product_name") or "").lower()
                )
            )
            if not bedrock:
                continue
            net = row["line_item_net_unblended_cost"]
            cost = D(str(net if net is not None else row["line_item_unblended_cost"]))
            tag = (dict(row.get("resource_tags") or []).get("user_cost_center") or "").strip()
            rid = (row["line_item_resource_id"] or "").strip()
            found = tag or resource_map.get(rid.lower()) or resource_map.get(rid.split("/")[-1])
            cc = master.get(found.lower()) if found else None
            if cc is None:
                if row["line_item_line_item_type"] == "Tax":
                    tax_pool += cost
                else:
                    exact["UNATTRIBUTED"] += cost
                continue
            exact[cc] += cost
            if row["line_item_line_item_type"] in ("Usage", "DiscountedUsage"):
                usage[cc] += cost
    weight = sum(usage.values())
    for cc, w in usage.items():
        exact[cc] += tax_pool * w / weight
    # Round the cost centers so they add up to the rounded total (largest remainder).
    total = sum(exact.values()).quantize(CENT, rounding=ROUND_HALF_UP)
    floors = {cc: v.quantize(CENT, rounding=ROUND_FLOOR) for cc, v in exact.items()}
    missing = int((total - sum(floors.values())) / CENT)
    for cc in sorted(exact, key=lambda c: floors[c] - exact[c])[:missing]:
        floors[cc] += CENT
    return floors


def test_run_with_the_example_config_to_the_cent(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", str(SAMPLE), "--period", "2026-10", "--config", str(EXAMPLE), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:6] == readme_block("run-output")
    summary = read_csv(out / "2026-10" / "chargeback-2026-10-summary.csv")
    got = {r["cost_center"]: D(r["amount"]) for r in summary}
    assert got == sample_expected()
    lines = read_csv(out / "2026-10" / "chargeback-2026-10-lines.csv")
    shares = [r for r in lines if r["description"] == "allocated share of tax"]
    assert {r["cost_center"] for r in shares} == {"CC-1001", "CC-2002", "CC-3003"}
    assert sum(D(r["line_items"]) for r in lines) == 9377


def test_option_beats_environment_beats_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "export" / "a.parquet", [cur2_row(cost=1.0)])
    (tmp_path / "chargeback.toml").write_text('out = "from-file"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHARGEBACK_CONFIG", raising=False)
    monkeypatch.delenv("CHARGEBACK_OUT", raising=False)
    base = ["run", "export", "--period", "2026-10"]
    assert runner.invoke(app, base).exit_code == 0
    assert (tmp_path / "from-file" / "2026-10" / "run.json").is_file()
    assert runner.invoke(app, base, env={"CHARGEBACK_OUT": "from-env"}).exit_code == 0
    assert (tmp_path / "from-env" / "2026-10" / "run.json").is_file()
    done = runner.invoke(app, [*base, "--out", "from-cli"], env={"CHARGEBACK_OUT": "from-env"})
    assert done.exit_code == 0
    assert (tmp_path / "from-cli" / "2026-10" / "run.json").is_file()


def test_periods_lists_rows_and_bedrock_totals(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        cur2_row("2026-09", cost=1.005, line_item_resource_id=PROJECT + "p"),
        cur2_row("2026-09", cost=2.0),
        cur2_row("2026-10", cost=0.10),
        cur2_row(
            "2026-10",
            cost=50.0,
            line_item_product_code="AmazonEC2",
            product_product_family="Compute Instance",
        ),
        cur2_row("2026-10", cost=3.0, line_item_currency_code="EUR"),
    ]
    write(tmp_path / "export" / "x.parquet", rows)
    result = runner.invoke(app, ["periods", str(tmp_path / "export")])
    assert result.exit_code == 0, result.output
    table = [line.split() for line in result.stdout.splitlines()[1:]]
    assert table == [
        ["2026-09", "2", "2", "3.01", "3.01", "USD"],
        ["2026-10", "1", "1", "3.00", "3.00", "EUR"],
        ["2026-10", "2", "1", "0.10", "0.10", "USD"],
    ]
