"""The command line as a user runs it: stdout holds results, stderr one error line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from tests.support.builders import cur2_row, tagged, write

runner = CliRunner()


def test_run_prints_totals_and_where_the_workbook_is(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1001", 12.345), cur2_row(cost=1.0)])
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["CC-1001", "12.35", "USD", "92.51%"]
    assert lines[2].split() == ["UNATTRIBUTED", "1.00", "USD", "7.49%"]
    assert lines[3].split() == ["TOTAL", "13.35", "USD"]
    assert f"Workbook: {out / '2026-10' / 'chargeback-2026-10.xlsx'}" in result.stdout
    assert (out / "2026-10" / "chargeback-2026-10.xlsx").is_file()


def test_bad_input_is_one_line_on_stderr_with_its_exit_code(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", [cur2_row(period="2026-09", cost=1.0)])
    result = runner.invoke(
        app, ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: no rows for 2026-10 in ")
    assert "periods present: 2026-09 (1 rows)" in result.stderr
    assert not (tmp_path / "out").exists()


def test_bad_period_and_bad_measure(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path), "--period", "10-2026"])
    assert result.exit_code == ExitCode.CONFIG
    assert "write it as YYYY-MM" in result.stderr
    result = runner.invoke(
        app, ["run", str(tmp_path), "--period", "2026-10", "--cost-measure", "amortized"]
    )
    assert result.exit_code == ExitCode.USAGE


def test_options_from_the_environment(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 2.0)])
    env = {
        "CHARGEBACK_PERIOD": "2026-10",
        "CHARGEBACK_OUT": str(tmp_path / "envout"),
        "CHARGEBACK_COST_MEASURE": "unblended",
    }
    result = runner.invoke(app, ["run", str(tmp_path / "e")], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "envout" / "2026-10" / "run.json").is_file()


def test_console_script_help_lists_the_run_command() -> None:
    exe = Path(sys.executable).with_name("chargeback")
    done = subprocess.run([str(exe), "run", "--help"], capture_output=True, text=True, check=True)
    for option in (
        "--period",
        "--out",
        "--cost-center-tag",
        "--cost-measure",
        "--threads",
        "--memory-limit",
    ):
        assert option in done.stdout
