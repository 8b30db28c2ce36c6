"""What a user sees on the terminal: the run's totals (largest first, UNATTRIBUTED and TOTAL
always shown) and messages in which no file name or tag value can drive the terminal."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from chargeback.report.templates import template_text
from chargeback.settings.model import DEFAULT_MEMORY_LIMIT
from chargeback.settings.resolve import ENV
from tests.support.builders import cur2_row, tagged, write
from tests.support.paths import REPO

runner = CliRunner()
ESC = "\x1b[31m"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"CHARGEBACK_CONFIG": None})
    return result.exit_code, result.stdout, result.stderr


def test_totals_are_largest_first_and_unattributed_is_never_cut(tmp_path: Path) -> None:
    # 55 cost centers whose names sort against their amounts; two tie; UNATTRIBUTED is the
    # largest line of all, and its name sorts after every cost center's.
    amounts = {f"AA-{i:02d}": Decimal(i) + Decimal("0.25") for i in range(1, 56)}
    amounts["AA-10"] = amounts["AA-11"] = Decimal("11.25")
    rows = [tagged("p", cc, float(a)) for cc, a in amounts.items()]
    rows += [cur2_row(cost=400.0), cur2_row(cost=100.5)]  # untagged
    write(tmp_path / "e" / "a.parquet", rows)
    code, out, err = invoke(
        "run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(tmp_path / "o")
    )
    assert code == 0, err
    lines = out.splitlines()[1:]

    order = sorted(amounts, key=lambda cc: (-amounts[cc], cc))
    shown = [line.split()[0] for line in lines[:50]]
    assert shown == order[:50]
    assert shown.index("AA-10") == shown.index("AA-11") - 1  # a tie goes by name
    assert [Decimal(line.split()[1].replace(",", "")) for line in lines[:50]] == [
        amounts[cc] for cc in order[:50]
    ]
    hidden = sum((amounts[cc] for cc in order[50:]), Decimal(0))
    assert lines[50] == f"  ... and 5 more cost centers: {hidden:,.2f} USD (see the summary CSV)"
    assert lines[51].split()[:3] == ["UNATTRIBUTED", "500.50", "USD"]
    total = sum(amounts.values(), Decimal(0)) + Decimal("500.50")
    assert lines[52].split() == ["TOTAL", f"{total:,.2f}", "USD"]


def test_a_file_name_with_escape_sequences_is_shown_escaped(tmp_path: Path) -> None:
    source = tmp_path / "e"
    write(source / "good.parquet", [tagged("p", "CC-1", 1.0)])
    (source / f"bad{ESC}.parquet").write_bytes(b"")
    out = tmp_path / "o"
    code, stdout, err = invoke("run", str(source), "--period", "2026-10", "--out", str(out))
    assert code == ExitCode.INPUT
    assert stdout == ""
    shown = f"{source}/bad\\x1b[31m.parquet"
    assert err == f"error: {shown} is empty (0 bytes): remove it or download it again\n"
    assert not out.exists()


def test_tag_values_and_paths_with_escape_sequences_are_shown_escaped(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("p", f"CC-{ESC}RED\u202e", 2.0)])
    out = tmp_path / f"o{ESC}"
    code, stdout, err = invoke("run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(out))
    assert code == 0, err
    assert "\x1b" not in stdout + err and "\u202e" not in stdout + err
    assert stdout.splitlines()[1].split()[0] == "CC-\\x1b[31mRED\\u202e"
    assert f"Statements: {tmp_path}/o\\x1b[31m/2026-10\n" in stdout
    assert (out / "2026-10" / "run.json").is_file()


def test_periods_and_coverage_escape_what_they_print(tmp_path: Path) -> None:
    source = tmp_path / f"e{ESC}"
    write(source / "a.parquet", [tagged("p", f"CC-{ESC}", 2.0)])
    for args in (("periods", str(source)), ("coverage", str(source), "--period", "2026-10")):
        code, stdout, err = invoke(*args)
        assert code == 0, err
        assert "\x1b" not in stdout + err
    code, _stdout, err = invoke("periods", str(tmp_path / f"missing{ESC}"))
    assert code == ExitCode.INPUT
    assert "\x1b" not in err and "missing\\x1b[31m" in err


def help_text(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", [("run",), ("periods",), ("coverage",)])
def test_help_names_source_and_shows_every_default(command: tuple[str, ...]) -> None:
    text = help_text(*command)
    assert f"Usage: chargeback {command[0]} [OPTIONS] SOURCE" in text.split("\n")[1].strip()
    assert "{" not in text
    assert "[env var: CHARGEBACK_SOURCE]" in text
    options = re.findall(r"│ [ *]*(--[\w-]+)", text)
    assert "--help" in options
    shown = {
        "--out": "out",
        "--cost-center-tag": "CostCenter",
        "--cost-measure": "net_unblended",
        "--threads": "all cores",
        "--memory-limit": DEFAULT_MEMORY_LIMIT,
        "--templates": "the shipped templates",
        "--config": "./chargeback.toml when it exists",
        "--post-period": "the current month",
        "--invocation-logs": "none",
        "--alert-topic": "none",
        "--engine": "duckdb",
        "--spark-remote": "a local Spark session",
    }
    for option in options:
        if option not in ("--help", "--quiet", "--strict", "--period"):  # flags, and required
            assert f"[default: ({shown[option]})]" in text, option


def test_every_variable_is_in_the_readme_and_in_help() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = help_text("run")
    for variable in ENV.values():
        assert f"`{variable}`" in readme, variable
        assert f"[env var: {variable}]" in shown, variable


def test_threads_from_the_environment_reach_duckdb(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 1.0)])
    args = ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, args, env={"CHARGEBACK_THREADS": "1"})
    assert result.exit_code == 0, result.output
    run_json = json.loads((tmp_path / "o" / "2026-10" / "run.json").read_text())
    assert run_json["settings"]["duckdb"]["threads"] == 1


COMPANY_TOML = """
company = "AnyCompany Ltd"
[journal]
expense_account = "6420-AI-SERVICES"
clearing_account = "2990-AWS-CLEARING"
"""
EXAMPLE_NOTE = (
    "note: the statements use the report templates' example values: "
    'company = "Example Corp", journal.expense_account = "6420-CLOUD-AI", '
    'journal.clearing_account = "2990-BEDROCK-CLEARING"; set company, and expense_account and '
    "clearing_account under [journal], in chargeback.toml\n"
)


def run_with(tmp_path: Path, toml: str | None, *extra: str) -> tuple[Path, str]:
    """A run of a small month with ``toml`` as its config; the month's folder and stderr."""
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 3.5), cur2_row(cost=1.25)])
    args = ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(tmp_path / "o")]
    if toml is not None:
        (tmp_path / "chargeback.toml").write_text(toml)
        args += ["--config", str(tmp_path / "chargeback.toml")]
    result = runner.invoke(app, [*args, *extra], env={"CHARGEBACK_CONFIG": None})
    assert result.exit_code == 0, result.output
    return tmp_path / "o" / "2026-10", result.stderr


def journal_accounts(month: Path) -> dict[str, str]:
    with (month / "journal-2026-10.csv").open(encoding="utf-8") as handle:
        return {r["cost_center"]: r["account"] for r in csv.DictReader(handle)}


def test_company_and_accounts_come_from_the_config(tmp_path: Path) -> None:
    month, err = run_with(tmp_path, COMPANY_TOML)
    assert err == ""
    run_json = json.loads((month / "run.json").read_text())
    assert run_json["placeholder_settings"] == {}
    assert journal_accounts(month) == {
        "CC-1": "6420-AI-SERVICES",
        "UNATTRIBUTED": "6420-AI-SERVICES",
        "": "2990-AWS-CLEARING",
    }
    book = openpyxl.load_workbook(month / "chargeback-2026-10.xlsx")
    assert book["Summary"]["A1"].value == "AnyCompany Ltd: Amazon Bedrock chargeback 2026-10"
    assert book["CC-1"]["A1"].value.startswith("AnyCompany Ltd: ")
    statement = openpyxl.load_workbook(month / "statements" / "CC-1.xlsx")
    assert statement.worksheets[0]["A1"].value.startswith("AnyCompany Ltd: ")


def test_example_values_are_named_on_stderr_and_in_run_json(tmp_path: Path) -> None:
    month, err = run_with(tmp_path, None)
    assert err == EXAMPLE_NOTE
    assert json.loads((month / "run.json").read_text())["placeholder_settings"] == {
        "company": "Example Corp",
        "journal.expense_account": "6420-CLOUD-AI",
        "journal.clearing_account": "2990-BEDROCK-CLEARING",
    }


def test_only_the_settings_left_at_their_example_are_named(tmp_path: Path) -> None:
    month, err = run_with(tmp_path, 'company = "AnyCompany Ltd"\n')
    assert 'company = "Example Corp"' not in err and "journal.expense_account" in err
    assert json.loads((month / "run.json").read_text())["placeholder_settings"] == {
        "journal.expense_account": "6420-CLOUD-AI",
        "journal.clearing_account": "2990-BEDROCK-CLEARING",
    }


def test_a_template_with_its_own_company_is_not_an_example_and_the_config_wins(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    shipped = template_text("workbook.toml")
    (folder / "workbook.toml").write_text(shipped.replace("Example Corp", "Template Co"))
    month, err = run_with(tmp_path, None, "--templates", str(folder))
    placeholders = json.loads((month / "run.json").read_text())["placeholder_settings"]
    assert "company" not in placeholders and "journal.expense_account" in placeholders
    book = openpyxl.load_workbook(month / "chargeback-2026-10.xlsx")
    assert book["Summary"]["A1"].value.startswith("Template Co: ")

    month, _ = run_with(tmp_path / "b", f'templates = "{folder}"\n{COMPANY_TOML}')
    book = openpyxl.load_workbook(month / "chargeback-2026-10.xlsx")
    assert book["Summary"]["A1"].value.startswith("AnyCompany Ltd: ")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[journal]\nexpense = "6420"\n',
            "{path}: unknown key journal.'expense'; known keys here: expense_account, "
            "clearing_account. Remove or rename it",
        ),
        ('company = ""\n', "{path}: company = '' must be a non-empty string"),
        (
            "[journal]\nclearing_account = 2990\n",
            "{path}: journal.clearing_account = 2990 must be a non-empty string",
        ),
    ],
)
def test_bad_company_or_account_settings_are_config_errors(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "chargeback.toml"
    path.write_text(toml)
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 1.0)])
    out = tmp_path / "o"
    args = ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(out)]
    code, stdout, err = invoke(*args, "--config", str(path))
    assert code == ExitCode.CONFIG
    assert err == f"error: {message.format(path=path)}\n"
    assert not out.exists()
