"""Errors that used to be a traceback or a driver's raw message are one line naming the file,
key or value and the fix, with their exit code; nothing is published and the month's set
already published stays as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from chargeback.report.templates import template_text
from chargeback.settings.textfile import TABLE_LIMIT
from tests.support.builders import tagged, write

runner = CliRunner()
DEEP = 5000  # levels of nesting: past Python's recursion limit


class Month:
    """A month already published to ``out`` from ``source``, to check it stays as it was."""

    def __init__(self, tmp_path: Path) -> None:
        self.source = write(tmp_path / "good" / "a.parquet", [tagged("p", "CC-1", 1.0)]).parent
        self.out = tmp_path / "out"
        done = runner.invoke(app, self.args())
        assert done.exit_code == 0, done.output
        self.before = self.files()

    def args(self, *extra: str, source: Path | None = None, period: str = "2026-10") -> list[str]:
        return ["run", str(source or self.source), "--period", period, "--out", str(self.out)]

    def files(self) -> dict[str, bytes]:
        return {
            str(p.relative_to(self.out)): p.read_bytes() for p in self.out.rglob("*") if p.is_file()
        }

    def fails(self, args: list[str], code: ExitCode, message: str) -> None:
        """``args`` exit with ``code`` and the one line ``message``; the set is untouched."""
        done = runner.invoke(app, args)
        assert (done.exit_code, done.stderr) == (code, f"error: {message}\n"), done.output
        assert done.stdout == ""
        assert self.files() == self.before


@pytest.fixture
def month(tmp_path: Path) -> Month:
    return Month(tmp_path)


def config(folder: Path, text: str, **files: str | bytes) -> Path:
    """A chargeback.toml in ``folder`` with ``text``, and the files it names."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    path = folder / "chargeback.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- periods a date cannot hold -----------------------------------------------------------


@pytest.mark.parametrize("period", ["9999-12", "0000-01", "1999-12", "3000-01"])
def test_a_period_out_of_range_is_a_config_error(month: Month, period: str) -> None:
    month.fails(
        month.args(period=period),
        ExitCode.CONFIG,
        f"period {period} is out of range: a billing period is a month from 2000-01 to 2999-12",
    )


def test_the_first_and_last_periods_in_range_have_a_start_and_an_end() -> None:
    from chargeback.settings.model import Period

    first, last = Period.parse("2000-01"), Period.parse("2999-12")
    assert (str(first.previous()), str(first.start), str(last.end)) == (
        "1999-12",
        "2000-01-01",
        "3000-01-01",
    )


# -- report templates: plain fields only -----------------------------------------------------


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("{company}: statement {period:d}", "{period:d}"),
        ("{period:>2000000000}", "{period:>2000000000}"),
        ("{period:{cost_center}}", "{period:{cost_center}}"),
        ("{cost_center!r}", "{cost_center!r}"),
        ("{company!s:>9}", "{company!s:>9}"),
    ],
)
def test_a_format_spec_in_a_template_is_refused_when_it_is_loaded(
    month: Month, tmp_path: Path, title: str, field: str
) -> None:
    folder = tmp_path / "finance"
    folder.mkdir()
    shipped = 'statement = "{company}: Amazon Bedrock chargeback statement {period}, {cost_center}"'
    assert shipped in template_text("workbook.toml")
    edited = template_text("workbook.toml").replace(shipped, f"statement = {json.dumps(title)}")
    (folder / "workbook.toml").write_text(edited, encoding="utf-8")
    name = field.split("!")[0].split(":")[0].strip("{}")
    message = (
        f"{folder / 'workbook.toml'}: titles.statement uses the field {field}: write fields as "
        f"a plain {{{name}}}, without a format spec or conversion"
    )
    cfg = config(tmp_path / "cfg", f"templates = {json.dumps(str(folder))}\n")
    month.fails(["config", "check", "--config", str(cfg)], ExitCode.CONFIG, message)
    month.fails([*month.args(), "--templates", str(folder)], ExitCode.CONFIG, message)


def test_a_format_spec_in_the_journal_template_is_refused(month: Month, tmp_path: Path) -> None:
    folder = tmp_path / "finance"
    folder.mkdir()
    shipped = 'debit_description = "Amazon Bedrock chargeback {period}: {cost_center}"'
    assert shipped in template_text("journal.toml")
    edited = template_text("journal.toml").replace(
        shipped, 'debit_description = "Bedrock {period}: {cost_center:>80000000}"'
    )
    (folder / "journal.toml").write_text(edited, encoding="utf-8")
    month.fails(
        [*month.args(), "--templates", str(folder)],
        ExitCode.CONFIG,
        f"{folder / 'journal.toml'}: debit_description uses the field {{cost_center:>80000000}}: "
        "write fields as a plain {cost_center}, without a format spec or conversion",
    )


def test_a_tag_value_shaped_like_a_format_spec_is_written_as_it_is(tmp_path: Path) -> None:
    """Titles and journal descriptions substitute values, never format them: a cost center
    ``>80000000`` is 9 characters in the statement title and the journal."""
    source = write(tmp_path / "e" / "a.parquet", [tagged("p", ">80000000", 2.5)]).parent
    out = tmp_path / "out"
    done = runner.invoke(app, ["run", str(source), "--period", "2026-10", "--out", str(out)])
    assert done.exit_code == 0, done.output
    journal = (out / "2026-10" / "journal-2026-10.csv").read_text(encoding="utf-8")
    assert "Amazon Bedrock chargeback 2026-10: >80000000," in journal
    assert len(journal) < 2_000


# -- files a config names that are not tables -------------------------------------------------


def test_a_device_as_the_master_list_is_refused_before_it_is_read(month: Month) -> None:
    cfg = config(month.out.parent / "cfg", '[cost_centers]\nmaster = "/dev/zero"\n')
    month.fails(
        [*month.args(), "--config", str(cfg)],
        ExitCode.CONFIG,
        "cost-center master list /dev/zero is not a regular file (a folder, device or pipe): "
        "give the path of a text file",
    )


def test_a_device_as_the_config_file_is_refused(month: Month) -> None:
    month.fails(
        [*month.args(), "--config", "/dev/zero"],
        ExitCode.CONFIG,
        "config file /dev/zero is not a regular file (a folder, device or pipe): give --config "
        "(CHARGEBACK_CONFIG) the path of a chargeback.toml",
    )


def test_a_table_larger_than_any_table_is_refused(month: Month) -> None:
    cfg = config(month.out.parent / "cfg", '[attribution]\nresource_map = "huge.csv"\n')
    with (cfg.parent / "huge.csv").open("wb") as handle:
        handle.truncate(TABLE_LIMIT + 1)  # sparse: no disk used
    month.fails(
        [*month.args(), "--config", str(cfg)],
        ExitCode.CONFIG,
        f"resource_map table {cfg.parent / 'huge.csv'} is larger than 64 MB, far more than such "
        "a file holds: is it the right file?",
    )


@pytest.mark.parametrize(
    "content",
    [
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\nline two\n",
        "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n",
        "wJalrXUtnFEMI/K7MDENG,other\n",
    ],
)
def test_a_file_that_is_not_a_table_is_named_and_its_content_never_shown(
    month: Month, content: str
) -> None:
    cfg = config(month.out.parent / "cfg", '[cost_centers]\nmaster = "secrets"\n', secrets=content)
    month.fails(
        [*month.args(), "--config", str(cfg)],
        ExitCode.CONFIG,
        f"cost-center master list {cfg.parent / 'secrets'}: no column 'code' in the header; "
        "the first line must name the columns code",
    )


def test_a_semicolon_separated_table_is_said_to_be_not_comma_separated(month: Month) -> None:
    cfg = config(
        month.out.parent / "cfg",
        '[attribution]\nresource_map = "resources.csv"\n',
        **{"resources.csv": "resource;cost_center\nproj_a;CC-1\n"},
    )
    month.fails(
        [*month.args(), "--config", str(cfg)],
        ExitCode.CONFIG,
        f"resource_map table {cfg.parent / 'resources.csv'} is not comma-separated: its first "
        "line has semicolons where a CSV has commas; save it as CSV with commas",
    )


SECRET = "s3cr3t-probe-4f9a7c"


def test_the_process_environment_as_a_table_never_reaches_stderr(tmp_path: Path) -> None:
    """``/proc/self/environ`` holds the process's credentials: the CLI names the file and
    never prints what it holds."""
    cfg = config(tmp_path / "cfg", '[cost_centers]\nmaster = "/proc/self/environ"\n')
    exe = Path(sys.executable).with_name("chargeback")
    env = {**os.environ, "AWS_SECRET_ACCESS_KEY": SECRET}
    done = subprocess.run(
        [str(exe), "config", "check", "--config", str(cfg)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == ExitCode.CONFIG
    assert done.stderr == (
        "error: cost-center master list /proc/self/environ is not a text file (it holds NUL "
        "bytes)\n"
    )
    assert SECRET not in done.stdout + done.stderr


def test_the_process_environment_as_a_table_never_reaches_the_lambda_log(tmp_path: Path) -> None:
    cfg = config(tmp_path / "cfg", '[cost_centers]\nmaster = "/proc/self/environ"\n')
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": "billing"},
                    "object": {"key": "cur/x/metadata/BILLING_PERIOD%3D2026-10/x-Manifest.json"},
                },
            }
        ]
    }
    code = (
        "import json, sys; from chargeback.frontends.aws_lambda import handler; "
        "print(json.dumps(handler(json.loads(sys.argv[1]))))"
    )
    env = {
        **os.environ,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "CHARGEBACK_CONFIG": str(cfg),
        "CHARGEBACK_OUT": "s3://finance/chargeback",
    }
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(event)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    log, returned = (json.loads(line) for line in done.stdout.splitlines())
    assert log["status"] == "failed"
    assert log["error"] == (
        "cost-center master list /proc/self/environ is not a text file (it holds NUL bytes)"
    )
    assert returned["runs"] == [log]
    assert SECRET not in done.stdout + done.stderr


# -- documents nested past Python's recursion limit --------------------------------------------


def test_a_config_nested_thousands_deep_is_a_config_error(month: Month) -> None:
    cfg = config(month.out.parent / "cfg", "out = " + "[" * DEEP + "]" * DEEP + "\n")
    month.fails(
        [*month.args(), "--config", str(cfg)],
        ExitCode.CONFIG,
        f"{cfg} nests arrays or tables too deeply to read (thousands of levels): is it the "
        "right file?",
    )


def test_a_template_nested_thousands_deep_is_a_config_error(month: Month, tmp_path: Path) -> None:
    folder = tmp_path / "finance"
    folder.mkdir()
    (folder / "journal.toml").write_text("x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n")
    month.fails(
        [*month.args(), "--templates", str(folder)],
        ExitCode.CONFIG,
        f"{folder / 'journal.toml'} nests arrays or tables too deeply to read (thousands of "
        "levels): is it the right file?",
    )


def test_a_manifest_nested_thousands_deep_is_an_input_error(month: Month, tmp_path: Path) -> None:
    root = tmp_path / "export"
    write(root / "data" / "BILLING_PERIOD=2026-10" / "x-00001.parquet", [tagged("p", "CC", 3.0)])
    manifest = root / "metadata" / "BILLING_PERIOD=2026-10" / "x-Manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"dataFiles": ' + "[" * DEEP + "]" * DEEP + "}")
    month.fails(
        month.args(source=root),
        ExitCode.INPUT,
        f"manifest {manifest} nests arrays or objects too deeply to read (thousands of levels): "
        "it is not a Data Exports manifest; remove it or let the export rewrite it",
    )
