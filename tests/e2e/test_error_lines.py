"""Errors that used to be a traceback or a driver's raw message are one line naming the file,
key or value and the fix, with their exit code; nothing is published and the month's set
already published stays as it was."""

from __future__ import annotations

import json
import math
import os
import pty
import signal
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from chargeback.pipeline import run
from chargeback.report.templates import template_text
from chargeback.settings.model import Period, RunConfig
from chargeback.settings.textfile import TABLE_LIMIT
from tests.support.builders import CUR2_TYPES, cur2_row, table, tagged, write
from tests.support.runs import RunFn, read_csv
from tests.support.s3server import S3

runner = CliRunner()
CENT = Decimal("0.01")
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


# -- column types DuckDB cannot read as the view does: named before the scan -------------------


def rewritten(root: Path, column: str, kind: pa.DataType, value: object) -> Path:
    """One tagged Bedrock line whose ``column`` another tool wrote as ``kind``."""
    row = tagged("p", "CC-1", 1.0, identity_line_item_id="li-1")
    row[column] = value
    return write(root / "a.parquet", [row], types={**CUR2_TYPES, column: kind})


MAP_INT_KEYS = pa.map_(pa.int64(), pa.string())

COLUMN_CASES: dict[str, tuple[str, pa.DataType, object, str]] = {
    "unparseable date text": (
        "bill_billing_period_start_date",
        pa.string(),
        "01/10/2026 \x1b[31m",
        "{file}: column bill_billing_period_start_date holds '01/10/2026 \\x1b[31m', which is "
        "not a date and time: write billing periods as TIMESTAMP (or text such as "
        "2026-10-01T00:00:00Z); was the file rewritten by another tool?",
    ),
    "integer date": (
        "bill_billing_period_start_date",
        pa.int64(),
        20261001,
        "{file}: column bill_billing_period_start_date is int64, not a timestamp: billing "
        "periods in cost exports are TIMESTAMP; was the file rewritten by another tool?",
    ),
    "usage amount as text": (
        "line_item_usage_amount",
        pa.string(),
        "12 tokens",
        "{file}: column line_item_usage_amount is string, not a number: usage amounts in cost "
        "exports are DOUBLE; was the file rewritten by another tool?",
    ),
    "tag map keyed by integers": (
        "resource_tags",
        MAP_INT_KEYS,
        [(1, "CC-1")],
        "{file}: column resource_tags is map<int64, string>: its keys must be text (tag keys, "
        "product fields) to be looked up; was the file rewritten by another tool?",
    ),
    "product map keyed by integers": (
        "product",
        MAP_INT_KEYS,
        [(7, "Claude")],
        "{file}: column product is map<int64, string>: its keys must be text (tag keys, "
        "product fields) to be looked up; was the file rewritten by another tool?",
    ),
    "the tool's own file column": (
        "chargeback_source_file",
        pa.string(),
        "x.parquet",
        "{file} has a column named chargeback_source_file, the name the tool gives the column "
        "of file names it adds: rename or remove that column",
    ),
}


@pytest.mark.parametrize("case", list(COLUMN_CASES))
def test_a_column_the_view_cannot_read_is_named_with_its_file(
    month: Month, tmp_path: Path, case: str
) -> None:
    column, kind, value, message = COLUMN_CASES[case]
    good = write(tmp_path / "export" / "0-good.parquet", [tagged("q", "CC-2", 5.0)])
    bad = rewritten(tmp_path / "export", column, kind, value)
    assert good.parent == bad.parent
    month.fails(month.args(source=bad.parent), ExitCode.INPUT, message.format(file=bad))


def test_dates_written_as_text_that_read_as_dates_are_charged(tmp_path: Path) -> None:
    root = tmp_path / "export"
    costs = {"a": 1.25, "b": 2.5, "c": 0.07}
    write(root / "a.parquet", [tagged("pa", "CC-A", costs["a"])])
    for name in ("b", "c"):
        row = tagged(f"p{name}", f"CC-{name.upper()}", costs[name])
        row["bill_billing_period_start_date"] = "2026-10-01T00:00:00Z"
        other = cur2_row(period="2026-09", cost=100.0)
        other["bill_billing_period_start_date"] = "2026-09-01 00:00:00"
        types = {**CUR2_TYPES, "bill_billing_period_start_date": pa.string()}
        write(root / name / "a.parquet", [row, other], types=types)
    out = tmp_path / "out"
    done = runner.invoke(app, ["run", str(root), "--period", "2026-10", "--out", str(out)])
    assert done.exit_code == 0, done.output
    summary = summary_amounts(out)
    expected = {f"CC-{k.upper()}": Decimal(repr(v)).quantize(CENT) for k, v in costs.items()}
    assert summary == {**expected, "TOTAL": sum(expected.values(), Decimal(0))}


def summary_amounts(out: Path) -> dict[str, Decimal]:
    rows = read_csv(out / "2026-10" / "chargeback-2026-10-summary.csv")
    amounts = {r["cost_center"]: Decimal(r["amount"]) for r in rows if Decimal(r["amount"])}
    return {**amounts, "TOTAL": sum((Decimal(r["amount"]) for r in rows), Decimal(0))}


def test_map_keys_written_as_bytes_are_looked_up(tmp_path: Path) -> None:
    root = tmp_path / "export"
    row = tagged("p", None, 4.56)
    row["resource_tags"] = [(b"user_cost_center", "CC-BYTES")]
    write(root / "a.parquet", [row], types={**CUR2_TYPES, "resource_tags": MAP_BINARY_KEYS})
    out = tmp_path / "out"
    done = runner.invoke(app, ["run", str(root), "--period", "2026-10", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert summary_amounts(out) == {"CC-BYTES": Decimal("4.56"), "TOTAL": Decimal("4.56")}


MAP_BINARY_KEYS = pa.map_(pa.binary(), pa.string())


def test_a_column_named_filename_is_read_like_any_other(tmp_path: Path) -> None:
    """DuckDB's ``filename=True`` column clashed with a file's own ``filename`` column; the
    tool names its column of file names otherwise, and each line keeps its real file."""
    root = tmp_path / "export"
    first = write(root / "a.parquet", [tagged("p", "CC-1", 1.5), tagged("q", "CC-2", 2.25)])
    second = root / "b.parquet"
    pq.write_table(
        table([tagged("r", "CC-1", 3.0)]).append_column("filename", pa.array(["a.parquet"])),
        second,
    )
    out = tmp_path / "out"
    done = runner.invoke(app, ["run", str(root), "--period", "2026-10", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert summary_amounts(out) == {
        "CC-1": Decimal("4.50"),
        "CC-2": Decimal("2.25"),
        "TOTAL": Decimal("6.75"),
    }
    run_json = json.loads((out / "2026-10" / "run.json").read_text(encoding="utf-8"))
    files = {f["uri"]: f["bedrock_rows"] for f in run_json["files"]}
    assert files == {str(first): 2, str(second): 1}


def test_a_column_named_filename_is_read_like_any_other_on_s3(
    s3: S3, tmp_path: Path, run_on: RunFn
) -> None:
    s3.client.create_bucket(Bucket="named-files")
    local = tmp_path / "a.parquet"
    pq.write_table(
        table([tagged("r", "CC-1", 3.0), tagged("s", "CC-2", 0.5)]).append_column(
            "filename", pa.array(["elsewhere.parquet", None])
        ),
        local,
    )
    s3.client.upload_file(str(local), "named-files", "cur/x/data/a.parquet")
    result = run_on("s3://named-files/cur/x", out=tmp_path / "out")
    assert [(f.uri, f.bedrock_rows) for f in result.allocation.files] == [
        ("s3://named-files/cur/x/data/a.parquet", 2)
    ]
    assert result.totals[0].cost_centers == {"CC-1": Decimal("3.00"), "CC-2": Decimal("0.50")}


# -- costs: exact from the double's shortest form, refused past DECIMAL(38, 12) ---------------

LARGEST = math.nextafter(1e26, 0)  # the largest double DECIMAL(38, 12) holds


@pytest.mark.parametrize(
    "costs",
    [
        [1e15],
        [1e14 + 0.01, 2e14 + 0.02],
        [1e-12, 1.0, 1e-12],
        [123456789.123456789],
        [-1e15, -0.005, 0.004],
        [LARGEST],
        [-LARGEST],
        [LARGEST, -LARGEST, 0.01],
        [1e16, 0.004, 0.004, 0.004],
    ],
)
def test_costs_are_summed_exactly_as_the_export_wrote_them(
    tmp_path: Path, run_on: RunFn, costs: list[float]
) -> None:
    """Each cost is the decimal its double prints as (Python's repr, the shortest form that
    reads back as the same double): a 1e15 line is 1000000000000000.00, not .01."""
    rows = [
        tagged(f"p{i}", f"CC-{i}", c, identity_line_item_id=f"li-{i}") for i, c in enumerate(costs)
    ]
    write(tmp_path / "export" / "a.parquet", rows)
    result = run_on(tmp_path / "export")
    written = [Decimal(repr(c)) for c in costs]
    exact = sum(written, Decimal(0))
    (total,) = result.totals
    assert total.export_bedrock_total_exact == exact
    assert total.export_bedrock_total == exact.quantize(CENT, rounding=ROUND_HALF_UP)
    assert sum(total.cost_centers.values(), Decimal(0)) == total.export_bedrock_total
    for i, amount in enumerate(written):
        assert abs(total.cost_centers[f"CC-{i}"] - amount) < CENT


def test_a_cost_past_what_an_exact_sum_holds_is_named(month: Month, tmp_path: Path) -> None:
    root = tmp_path / "export"
    write(root / "a.parquet", [tagged("p", "CC-1", 1e26, identity_line_item_id="li-big")])
    month.fails(
        month.args(source=root),
        ExitCode.INPUT,
        f"{root / 'a.parquet'}: Bedrock line item li-big has cost 1e+26, beyond what an exact "
        "sum holds (DECIMAL(38, 12): 26 digits before the point); a chargeback cannot sum it: "
        "fix or re-download the export",
    )


@pytest.mark.parametrize("same_group", [True, False])
def test_costs_adding_up_past_what_an_exact_sum_holds_are_an_input_error(
    month: Month, tmp_path: Path, same_group: bool
) -> None:
    root = tmp_path / "export"
    rows = [
        tagged("p" if same_group else f"p{i}", "CC-1", LARGEST, identity_line_item_id=f"li-{i}")
        for i in range(2)
    ]
    write(root / "a.parquet", rows)
    query = "13_bedrock_groups" if same_group else "41_totals_by_type"
    month.fails(
        month.args(source=root),
        ExitCode.INPUT,
        "the Bedrock amounts add up beyond what an exact sum holds (DECIMAL(38, 12): 26 digits "
        f"before the point) in queries/{query}.sql: a cost in the export is far too large; fix "
        "or re-download the export",
    )


@pytest.mark.parametrize("usage", [float("nan"), float("inf"), 1e28])
def test_a_usage_amount_no_sum_can_hold_is_named(
    month: Month, tmp_path: Path, usage: float
) -> None:
    root = tmp_path / "export"
    write(
        root / "a.parquet",
        [tagged("p", "CC-1", 1.0, identity_line_item_id="li-u", line_item_usage_amount=usage)],
    )
    month.fails(
        month.args(source=root),
        ExitCode.INPUT,
        f"{root / 'a.parquet'}: Bedrock line item li-u has usage amount {usage!r}; a chargeback "
        "cannot count it: fix or re-download the export",
    )


# -- options DuckDB refuses ----------------------------------------------------------------


def test_a_memory_limit_duckdb_refuses_names_only_what_was_given(month: Month) -> None:
    month.fails(
        [*month.args(), "--memory-limit", "lots"],
        ExitCode.CONFIG,
        "--memory-limit 'lots' is not a size DuckDB accepts: give a number and a unit, e.g. 2GB "
        "or 1536MB",
    )


# -- Ctrl-C ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export whose Bedrock scan takes a while on one thread: 1M rows, half Bedrock."""
    from benchmarks.generate import generate

    root = tmp_path_factory.mktemp("long-scan")
    generate(root, 1_000_000, bedrock_share=0.5, files=4)
    return root


def test_ctrl_c_during_the_scan_is_one_line_and_130(month: Month, long_scan: Path) -> None:
    """SIGINT to a real ``chargeback run`` once it reports the Bedrock scan under way: exit
    130, one error line after the progress lines, nothing published. Progress shows only on
    a terminal, so stderr is a pseudo-terminal read until that line appears."""
    primary, secondary = pty.openpty()
    exe = Path(sys.executable).with_name("chargeback")
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    process = subprocess.Popen(
        [str(exe), *month.args(source=long_scan), "--threads", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    seen = read_until(primary, b"selecting Bedrock rows")
    assert b"selecting Bedrock rows" in seen, seen.decode(errors="replace")
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate()
    lines = (seen + read_until(primary, None)).decode().replace("\r\n", "\n").splitlines()
    os.close(primary)
    assert process.returncode == ExitCode.INTERRUPTED, lines
    assert stdout == b""
    assert [line for line in lines if not line.startswith("... ")] == [
        "error: interrupted (SIGINT) before the command completed; run it again"
    ]
    assert lines[-1].startswith("error: ")
    assert month.files() == month.before
    assert sorted(p.name for p in month.out.iterdir()) == [
        "2026-10",
        "2026-10.history",
        "2026-10.runs",
    ]
    runs = [p.name for p in (month.out / "2026-10.runs").iterdir()]
    assert len(runs) == 1 and not runs[0].startswith(".")  # the set published before, alone


def read_until(fd: int, marker: bytes | None) -> bytes:
    """What the pseudo-terminal ``fd`` gives until ``marker`` appears (None: until it closes)."""
    seen = b""
    while marker is None or marker not in seen:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_the_library_raises_keyboard_interrupt_when_the_scan_is_interrupted(
    tmp_path: Path, long_scan: Path
) -> None:
    """Ctrl-C in a notebook stops ``run`` with KeyboardInterrupt, as any Python code, not
    DuckDB's RuntimeError('Query interrupted'); nothing is written."""
    sent: list[str] = []

    def progress(phase: str) -> None:  # called from the thread that watches the scan
        if phase.startswith("selecting Bedrock rows") and not sent:
            sent.append(phase)
            os.kill(os.getpid(), signal.SIGINT)

    config = RunConfig(
        source=str(long_scan), period=Period.parse("2026-10"), out=str(tmp_path / "out"), threads=1
    )
    with pytest.raises(KeyboardInterrupt) as info:
        run(config, progress=progress)
    assert sent
    assert isinstance(info.value.__cause__, RuntimeError)
    assert not (tmp_path / "out").exists()


def test_a_long_value_in_a_config_is_quoted_short_and_escaped(month: Month) -> None:
    value = "\x1b[2J" + "x" * 100_000
    cfg = config(month.out.parent / "cfg", f"threads = {json.dumps(value)}\n")
    month.fails(
        [*month.args(), "--config", str(cfg)],
        ExitCode.CONFIG,
        f"{cfg}: threads = {repr(value)[:60]}... must be a whole number, 1 or more",
    )


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        (
            pa.int64(),
            20261001,
            "is int64, not a timestamp: billing periods in cost exports are TIMESTAMP",
        ),
        (
            pa.string(),
            "October 2026",
            "holds 'October 2026', which is not a date and time: write "
            "billing periods as TIMESTAMP (or text such as 2026-10-01T00:00:00Z)",
        ),
    ],
)
def test_a_focus_billing_period_the_view_cannot_read_is_named(
    month: Month, tmp_path: Path, kind: pa.DataType, value: object, problem: str
) -> None:
    path = tmp_path / "focus" / "part-0.parquet"
    path.parent.mkdir()
    columns = {
        "BillingPeriodStart": pa.array([value], kind),
        "ChargeCategory": pa.array(["Usage"]),
        "BilledCost": pa.array([1.0]),
        "BillingCurrency": pa.array(["USD"]),
        "x_ServiceCode": pa.array(["AmazonBedrock"]),
    }
    pq.write_table(pa.table(columns), path)
    month.fails(
        month.args(source=path.parent),
        ExitCode.INPUT,
        f"{path}: column BillingPeriodStart {problem}; was the file rewritten by another tool?",
    )
