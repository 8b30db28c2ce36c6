"""The commands around the rules: config check, coverage, periods, run --config; README kept true.

The sample month with the README's example config is checked to the cent against figures
computed here from the Parquet rows in plain Python (no DuckDB, no chargeback code).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chargeback.frontends.cli import app
from tests.support.builders import PROJECT, cur2_row, write
from tests.support.paths import REPO, SAMPLE
from tests.support.runs import read_csv
from tests.support.sample_month import EXAMPLE, sample_expected

D = Decimal
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
    assert "master list: 3 cost centers (3 active, 3 with a budget), 1 aliases" in result.stdout
    assert (
        "alerts: month_ratio 1.5, min_months 2, min_amount 10, budget_warn_pct 90" in result.stdout
    )
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


def test_run_with_the_example_config_to_the_cent(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", str(SAMPLE), "--period", "2026-10", "--config", str(EXAMPLE), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    block = readme_block("run-output")
    assert result.stdout.splitlines()[: len(block)] == block
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
