"""report_templates/: shipped in the package, validated, and replaceable by finance."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from chargeback.errors import ConfigError
from chargeback.report.templates import (
    TABLE_COLUMNS,
    load_templates,
    parse_journal,
    parse_workbook,
    template_text,
)
from tests.support.accounting import find, write_month
from tests.support.paths import REPO
from tests.support.runs import RunFn, read_csv

SHIPPED = REPO / "report_templates" / "workbook.toml"


def test_shipped_templates_load() -> None:
    templates = load_templates()
    assert templates.workbook.columns["statement"][-1] == "amount"
    assert templates.workbook.label("net") == "Net charge"
    assert templates.journal.clearing_account == "2990-BEDROCK-CLEARING"


def test_installed_package_reads_its_templates_from_any_directory(tmp_path: Path) -> None:
    code = (
        "from chargeback.report.templates import load_templates;"
        "print(load_templates().workbook.company)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "Example Corp"
    assert template_text("journal.toml").startswith("#")


def _edited(old: str, new: str) -> str:
    text = SHIPPED.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"project_id", "model",',
            '"project_id", "modle",',
            r"workbook.toml: \[statement\] columns names unknown column 'modle'; known columns: "
            r"project_id, model",
        ),
        (
            '"line_items",\n]',
            '"line_items", "colour",\n]',
            r"\[summary\] .*unknown column 'colour'",
        ),
        ('"pricing_unit", "application"', '"application"', None),
        (
            '"currency", "amount",\n]',
            '"currency",\n]',
            r"\[statement\] columns must include 'amount'",
        ),
        ("[widths]\n", "[widths]\nbogus = 3\n", r"\[widths\] names unknown key 'bogus'"),
        ("[words]\n", "[words]\ntotl = 'T'\n", r"\[words\] names unknown key 'totl'"),
        ("[labels]\n", "[labels]\nproject = 'P'\n", r"\[labels\] names unknown key 'project'"),
        ('company = "Example Corp"', 'compnay = "X"', r"unknown setting 'compnay'"),
        ('{cost_center}"\nunattributed', '{costcenter}"\nunattributed', r"\{costcenter\}"),
        ('summary = "Summary"', 'summary = "Tag coverage"', r"sheets.coverage and sheets.summary"),
        ('summary = "Summary"', 'summary = "a/b"', r"not a valid Excel sheet name"),
        ('summary = "Summary"', 'summary = "History"', r"'History' is not a valid Excel"),
        ('summary = "Summary"', 'summary = "' + "x" * 32 + '"', r"not a valid Excel sheet name"),
        ("[formats]\n", "[formats\n", r"is not valid TOML"),
    ],
)
def test_bad_workbook_template_is_an_error_naming_the_file_and_key(
    old: str, new: str, message: str | None
) -> None:
    text = _edited(old, new)
    if message is None:
        assert "application" in parse_workbook(text, "x/workbook.toml").columns["statement"]
        return
    with pytest.raises(ConfigError, match=message):
        parse_workbook(text, "x/workbook.toml")


def test_bad_journal_template() -> None:
    text = (REPO / "report_templates" / "journal.toml").read_text()
    with pytest.raises(
        ConfigError, match=r"j.toml: \[journal\] columns names unknown column 'amt'"
    ):
        parse_journal(text.replace('"debit", "credit"', '"amt", "debit", "credit"'), "j.toml")
    with pytest.raises(ConfigError, match=r"j.toml: clearing_account is missing or empty"):
        parse_journal(text.replace('clearing_account = "2990-BEDROCK-CLEARING"', ""), "j.toml")


def test_a_templates_folder_changes_the_workbook_and_journal(tmp_path: Path, run_on: RunFn) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "workbook.toml").write_text(
        _edited('company = "Example Corp"', 'company = "Acme GmbH"')
        .replace('net = "Net charge"', 'net = "Netto"')
        .replace('summary = "Summary"', 'summary = "Übersicht"')
        .replace(
            '"cost_center", "cost_center_name", "gl_account", "owner", "team",', '"cost_center",'
        )
        .replace('total = "Total"', 'total = "Summe"')
        .replace('difference = "Difference"', 'difference = "Differenz"')
    )
    journal = (REPO / "report_templates" / "journal.toml").read_text()
    (folder / "journal.toml").write_text(
        journal.replace("2990-BEDROCK-CLEARING", "1590").replace('"date", "period",', '"period",')
    )
    result = run_on(write_month(tmp_path / "export"), templates=str(folder))
    wb = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    assert wb.sheetnames[0] == "Übersicht"
    ws = wb["Übersicht"]
    assert ws["A1"].value == "Acme GmbH: Amazon Bedrock chargeback 2026-10"
    head, _ = find(ws, "Cost center")
    labels = [c.value for c in ws[head] if c.value]
    assert labels[:3] == ["Cost center", "Currency", "Gross usage"] and "Netto" in labels
    r, c = find(ws, "Summe USD")
    assert ws.cell(r, labels.index("Netto") + 1).value == pytest.approx(100.0)
    rec = wb["Reconciliation"]
    r, c = find(rec, "Differenz")
    assert rec.cell(r, c + 2).value == 0
    rows = read_csv(Path(result.outputs["journal"]))
    assert list(rows[0])[0] == "period"
    assert rows[-1]["account"] == "1590"


def test_templates_option_must_be_a_folder(tmp_path: Path, run_on: RunFn) -> None:
    with pytest.raises(ConfigError, match=r"--templates .*nope is not a folder"):
        run_on(write_month(tmp_path / "export"), templates=str(tmp_path / "nope"))
    assert not (tmp_path / "out").exists()


def test_cli_bad_template_exits_with_the_config_code(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chargeback.errors import ExitCode
    from chargeback.frontends.cli import app

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "workbook.toml").write_text(_edited('"project_id", "model",', '"project_id", "x",'))
    args = ["run", str(write_month(tmp_path / "export")), "--period", "2026-10"]
    args += ["--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args, env={"CHARGEBACK_TEMPLATES": str(folder)})
    assert result.exit_code == ExitCode.CONFIG
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {folder / 'workbook.toml'}: [statement] columns names unknown column 'x'; "
        f"known columns: {', '.join(TABLE_COLUMNS['statement'])}\n"
    )
    assert not (tmp_path / "out").exists()


def test_config_file_names_a_templates_folder_relative_to_itself(tmp_path: Path) -> None:
    from chargeback.settings.files import build_run_config, load_settings

    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "chargeback.toml"
    path.write_text('templates = "finance"\n')
    settings = load_settings(path)
    config = build_run_config("src", "2026-10", settings)
    assert config.templates == str(tmp_path / "cfg" / "finance")
    assert build_run_config("src", "2026-10", settings, templates="cli").templates == "cli"


def test_config_check_validates_the_templates_it_names(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chargeback.errors import ExitCode
    from chargeback.frontends.cli import app

    (tmp_path / "finance").mkdir()
    config = tmp_path / "chargeback.toml"
    config.write_text('templates = "finance"\n')
    runner = CliRunner()
    ok = runner.invoke(app, ["config", "check", "--config", str(config)])
    assert ok.exit_code == 0, ok.output
    assert "report templates: report_templates/workbook.toml, report_templates/journal.toml" in (
        ok.stdout
    )
    (tmp_path / "finance" / "journal.toml").write_text('clearing_account = ""\n')
    bad = runner.invoke(app, ["config", "check", "--config", str(config)])
    assert bad.exit_code == ExitCode.CONFIG
    journal = tmp_path / "finance" / "journal.toml"
    assert bad.stderr == (
        f"error: {journal}: expense_account is missing or empty; give it as text\n"
    )


def test_lambda_reads_the_templates_folder_from_its_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chargeback.frontends.aws_lambda import config_for
    from chargeback.frontends.s3event import Delivery
    from chargeback.settings.model import Period

    monkeypatch.delenv("CHARGEBACK_CONFIG", raising=False)
    monkeypatch.setenv("CHARGEBACK_OUT", "s3://finance-reports/chargeback")
    monkeypatch.setenv("CHARGEBACK_TEMPLATES", "/opt/finance-templates")
    found = Delivery(None, "s3://billing/cur/x", Period.parse("2026-10"))  # type: ignore[arg-type]
    assert config_for(found).templates == "/opt/finance-templates"
