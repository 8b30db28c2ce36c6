"""Issue 18: every run of a month is kept and logged; ``chargeback history`` lists them."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner, Result

from chargeback.closing import month_history
from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from tests.support.builders import tagged, write
from tests.support.runs import RunFn, read_csv

runner = CliRunner()
OCT = Period.parse("2026-10")


def export(folder: Path, rows: list[dict[str, object]]) -> Path:
    write(folder / "data" / "part-1.parquet", rows)
    return folder


def test_every_run_is_kept_and_logged_in_order(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    first = export(tmp_path / "a", [tagged("p1", "CC-1", 1.25), tagged("p2", "CC-2", 2.5)])
    second = export(tmp_path / "b", [tagged("p1", "CC-1", 1.25), tagged("p2", "CC-2", 4.0)])
    results = [run_on(first, out=out), run_on(second, out=out), run_on(second, out=out)]

    sets = sorted(p.name for p in (out / "2026-10.runs").iterdir())
    assert len(sets) == 3  # nothing replaced is removed
    rows = month_history(str(out), OCT)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.event for r in rows] == ["run", "run", "run"]
    assert [r.run_id for r in rows] == [r.run_id for r in results]
    assert [r.totals for r in rows] == [{"USD": "3.75"}, {"USD": "5.25"}, {"USD": "5.25"}]
    logged = [json.loads(p.read_text()) for p in sorted((out / "2026-10.history").iterdir())]
    assert sorted(e["set"] for e in logged) == sets
    assert (out / "2026-10").resolve().name == logged[-1]["set"]  # the last run is current
    # every logged set is the run it says, whole: its run.json names the same run
    for event in logged:
        record = json.loads((out / "2026-10.runs" / event["set"] / "run.json").read_text())
        assert record["run_id"] == event["run_id"]


def test_history_command_lists_the_runs(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    result = run_on(export(tmp_path / "a", [tagged("p1", "CC-1", 7.1)]), out=out)
    got = runner.invoke(app, ["history", "--period", "2026-10", "--out", str(out)])
    assert got.exit_code == 0, got.output
    lines = got.stdout.splitlines()
    assert lines[0] == f"2026-10 history in {out}: 1 event(s)"
    assert lines[2].split()[:3] == ["1", "run", result.run_id]
    assert "USD 7.10" in lines[2]
    assert lines[2].endswith("final")


def test_history_of_a_month_never_published(tmp_path: Path) -> None:
    got = runner.invoke(app, ["history", "--period", "2026-09", "--out", str(tmp_path)])
    assert got.exit_code == 0
    assert got.stdout == f"no history for 2026-09 in {tmp_path}: no run was published there\n"


# -- provisional or final ----------------------------------------------------------------------


def run_at(source: Path, out: Path, now: datetime) -> RunResult:
    config = RunConfig(source=str(source), period=OCT, out=str(out))
    return run(config, now=now)


def sheet_items(path: Path) -> dict[str, str]:
    """Label -> value of the header block of every sheet of a workbook."""
    book = openpyxl.load_workbook(path, read_only=True)
    found: dict[str, str] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=12, max_col=2, values_only=True):
            if isinstance(row[0], str) and isinstance(row[1], str):
                found.setdefault(f"{ws.title}:{row[0]}", row[1])
    return found


def test_lines_without_an_invoice_id_make_the_month_provisional(tmp_path: Path) -> None:
    rows = [
        tagged("p1", "CC-1", 2.5, bill_invoice_id="INV-9"),
        tagged("p2", "CC-2", 1.25, bill_invoice_id=""),
        tagged("p2", "CC-2", 1.0, bill_invoice_id=None),
    ]
    source = export(tmp_path / "a", rows)
    result = run_at(source, tmp_path / "out", datetime(2026, 11, 20, tzinfo=UTC))
    reasons = ["2 Bedrock line items have no invoice id yet"]
    assert (result.status, list(result.status_reasons)) == ("provisional", reasons)
    month = Path(result.output_dir)
    record = json.loads((month / "run.json").read_text())
    assert (record["status"], record["status_reasons"]) == ("provisional", reasons)
    journal = read_csv(month / "journal-2026-10.csv")
    assert journal and all(r["description"].startswith("PROVISIONAL: ") for r in journal)
    for name in ("CC-1", "CC-2"):
        statement = read_csv(month / "statements" / f"{name}.csv")
        assert {r["Billing period"] for r in statement} == {"2026-10 PROVISIONAL"}
        items = sheet_items(month / "statements" / f"{name}.xlsx")
        assert any(
            k.endswith(":Status") and v == f"PROVISIONAL: {reasons[0]}" for k, v in items.items()
        )
    items = sheet_items(month / "chargeback-2026-10.xlsx")
    statuses = {k: v for k, v in items.items() if k.endswith(":Status")}
    assert statuses and set(statuses.values()) == {f"PROVISIONAL: {reasons[0]}"}
    (row,) = month_history(str(tmp_path / "out"), OCT)
    assert row.status == "provisional"


def test_a_month_not_yet_ended_is_provisional(tmp_path: Path) -> None:
    source = export(tmp_path / "a", [tagged("p1", "CC-1", 2.5)])
    result = run_at(source, tmp_path / "out", datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    assert result.status == "provisional"
    assert result.status_reasons == (
        "the billing period 2026-10 has not ended (it ends 2026-11-01 UTC)",
    )


def test_an_ended_invoiced_month_is_final_and_unmarked(tmp_path: Path) -> None:
    source = export(tmp_path / "a", [tagged("p1", "CC-1", 2.5)])
    result = run_at(source, tmp_path / "out", datetime(2026, 11, 1, tzinfo=UTC))
    assert (result.status, result.status_reasons) == ("final", ())
    month = Path(result.output_dir)
    assert json.loads((month / "run.json").read_text())["status"] == "final"
    journal = read_csv(month / "journal-2026-10.csv")
    assert not any("PROVISIONAL" in r["description"] for r in journal)
    assert not any(k.endswith(":Status") for k in sheet_items(month / "chargeback-2026-10.xlsx"))


# -- close and reopen --------------------------------------------------------------------------


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, computed here, independently of the tool."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def snapshot(out: Path) -> tuple[str, dict[str, str], list[str], list[str]]:
    """The month's pointer, its set's bytes, the sets kept and the history's events."""
    return (
        os.readlink(out / "2026-10"),
        digests((out / "2026-10").resolve()),
        sorted(p.name for p in (out / "2026-10.runs").iterdir()),
        sorted(p.name for p in (out / "2026-10.history").iterdir()),
    )


ROWS = [tagged("p1", "CC-1", 2.5), tagged("p2", "CC-2", 1.25), tagged("p3", None, 0.5)]


def test_close_records_the_run_its_totals_and_its_files(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    result = run_on(export(tmp_path / "a", ROWS), out=out)
    got = cli("close", "--period", "2026-10", "--out", str(out), "--by", "ana", "--note", "JE-7")
    assert got.exit_code == 0, got.output
    assert got.stdout.startswith(f"closed 2026-10: run {result.run_id} (final), USD 4.25; ")
    (close,) = [e for e in (out / "2026-10.history").iterdir() if e.name.endswith("-close.json")]
    body = json.loads(close.read_text())
    assert body["run_id"] == result.run_id
    assert body["set"] == (out / "2026-10").resolve().name
    assert (body["by"], body["note"], body["forced"]) == ("ana", "JE-7", False)
    assert body["files"] == digests((out / "2026-10").resolve())
    assert "run.json" in body["files"] and "statements/CC-1.csv" in body["files"]
    (usd,) = body["totals"]
    assert usd["total"] == "4.25"
    assert usd["cost_centers"] == {"CC-1": "2.50", "CC-2": "1.25", "UNATTRIBUTED": "0.50"}
    rows = month_history(str(out), OCT)
    assert rows[1].note == "JE-7"
    assert [(r.event, r.status) for r in rows] == [
        ("run", "final, closed"),
        ("close", "closed"),
    ]


def test_closing_a_provisional_month_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    source = export(tmp_path / "a", [tagged("p1", "CC-1", 2.5, bill_invoice_id="")])
    run_at(source, out, datetime(2026, 11, 20, tzinfo=UTC))
    before = snapshot(out)
    got = cli("close", "--period", "2026-10", "--out", str(out))
    assert got.exit_code == ExitCode.CONFIG
    assert got.stderr == (
        "error: 2026-10 is provisional (1 Bedrock line items have no invoice id yet): closing "
        "books these figures as final; close after AWS invoices the month, or add --force to "
        "close it on provisional figures (e.g. to book accruals)\n"
    )
    assert snapshot(out) == before
    forced = cli("close", "--period", "2026-10", "--out", str(out), "--force")
    assert forced.exit_code == 0
    assert forced.stderr == (
        "note: 2026-10 was closed on provisional figures (1 Bedrock line items have no "
        "invoice id yet)\n"
    )
    (row,) = [r for r in month_history(str(out), OCT) if r.event == "close"]
    assert row.status == "closed"


def test_close_refusals(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    got = cli("close", "--period", "2026-10", "--out", str(out))
    assert got.exit_code == ExitCode.CONFIG
    assert got.stderr == (
        f"error: 2026-10 has no published statements in {out}: run "
        f"`chargeback run SOURCE --period 2026-10 --out {out}` first\n"
    )
    assert not (out / "2026-10.history").exists()
    run_on(export(tmp_path / "a", ROWS), out=out)
    close = cli("close", "--period", "2026-10", "--out", str(out), "--by", "ana")
    assert close.exit_code == 0
    event = json.loads((out / "2026-10.history" / "000002-close.json").read_text())
    before = snapshot(out)
    again = cli("close", "--period", "2026-10", "--out", str(out))
    assert again.exit_code == ExitCode.CONFIG
    assert again.stderr == (
        f"error: 2026-10 is already closed (history event 2, run {event['run_id']}, by ana at "
        f"{event['at']}): reopen it first with `chargeback reopen --period 2026-10 --reason "
        "TEXT`\n"
    )
    assert snapshot(out) == before


def test_reopen_is_recorded_and_the_next_run_replaces(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    first = run_on(export(tmp_path / "a", ROWS), out=out)
    not_closed = cli("reopen", "--period", "2026-10", "--out", str(out), "--reason", "x")
    assert not_closed.exit_code == ExitCode.CONFIG
    assert (
        not_closed.stderr == f"error: 2026-10 is not closed in {out}: there is nothing to reopen\n"
    )
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    blank = cli("reopen", "--period", "2026-10", "--out", str(out), "--reason", " ")
    assert blank.exit_code == ExitCode.CONFIG
    assert blank.stderr == "error: --reason is empty: say why the month is reopened\n"
    got = cli("reopen", "--period", "2026-10", "--out", str(out), "--reason", "AWS restated tax")
    assert got.exit_code == 0
    assert got.stdout == (
        "reopened 2026-10 (closed by history event 2): the next run replaces its statements\n"
    )
    closed_set = (out / "2026-10").resolve()
    second = run_on(export(tmp_path / "b", [*ROWS, tagged("p1", "CC-1", 9.0)]), out=out)
    assert (out / "2026-10").resolve() != closed_set
    assert closed_set.is_dir()  # the set that was closed is kept
    assert second.totals[0].export_bedrock_total == Decimal("13.25")  # 2.5 + 1.25 + 0.5 + 9
    rows = month_history(str(out), OCT)
    assert [r.event for r in rows] == ["run", "close", "reopen", "run"]
    assert rows[2].note == "AWS restated tax"
    assert [rows[0].run_id, rows[3].run_id] == [first.run_id, second.run_id]


# -- adjustments -------------------------------------------------------------------------------

OCTOBER = [
    tagged("p1", "CC-1", 10.00),
    tagged("p2", "CC-2", 5.00),
    tagged("p2", "CC-2", -1.00, line_item_line_item_type="Credit"),
    tagged("p3", "CC-3", 3.00),
]
RESTATED = [
    tagged("p1", "CC-1", 10.00),
    tagged("p1", "CC-1", 0.80, line_item_line_item_type="Tax"),  # a tax line added
    tagged("p2", "CC-3", 5.00),  # p2's cost-center tag changed from CC-2 to CC-3
    tagged("p3", "CC-3", 3.00),  # and p2's credit is gone
]


def per_center(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Each cost center's charge, summed here from the rows written (2 decimals exact)."""
    out: dict[str, Decimal] = {}
    for row in rows:
        cc = row["resource_tags"]["user_cost_center"]
        out[cc] = out.get(cc, Decimal(0)) + Decimal(str(row["line_item_net_unblended_cost"]))
    return out


def run_cli(source: Path, out: Path, *extra: str) -> Result:
    args = ["run", str(source), "--period", "2026-10", "--out", str(out), "-q", *extra]
    return cli(*args, "--post-period", "2026-11")


def test_a_restated_closed_month_gets_an_adjustment_not_a_replacement(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(export(tmp_path / "oct", OCTOBER), out).exit_code == 0
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    close = json.loads((out / "2026-10.history" / "000002-close.json").read_text())
    before = snapshot(out)

    got = run_cli(export(tmp_path / "restated", RESTATED), out)
    assert got.exit_code == 0, got.output
    pointer, closed_files, sets, events = snapshot(out)
    assert (pointer, closed_files, sets) == before[:3]  # the closed set and pointer untouched
    assert closed_files == close["files"]  # and still what the close recorded
    assert events == [*before[3], "000003-adjustment.json"]
    event = json.loads((out / "2026-10.history" / "000003-adjustment.json").read_text())
    folder = out / "2026-10.adjustments" / event["adjustment_id"]
    assert got.stdout.splitlines()[-1] == f"Adjustment: {folder}"

    closed, restated = per_center(OCTOBER), per_center(RESTATED)
    expected = {cc: restated.get(cc, Decimal(0)) - closed.get(cc, Decimal(0)) for cc in closed}
    assert expected == {"CC-1": Decimal("0.80"), "CC-2": Decimal("-4.00"), "CC-3": Decimal("5.00")}
    summary = {r["cost_center"]: r for r in read_csv(folder / "adjustment-summary.csv")}
    assert {cc: Decimal(r["adjustment"]) for cc, r in summary.items()} == expected
    assert {cc: Decimal(r["closed"]) for cc, r in summary.items()} == closed
    assert {cc: Decimal(r["restated"]) for cc, r in summary.items()} == {
        cc: restated.get(cc, Decimal(0)) for cc in closed
    }

    changes = read_csv(folder / "adjustment-lines.csv")
    kinds = sorted(
        (r["change"], r["project_id"], r["line_item_type"], r["cost_center"], r["adjustment"])
        for r in changes
    )
    assert kinds == [
        ("added", "p1", "Tax", "CC-1", "0.80"),
        ("moved", "p2", "Usage", "CC-2", "-5.00"),
        ("moved", "p2", "Usage", "CC-3", "5.00"),
        ("removed", "p2", "Credit", "CC-2", "1.00"),
    ]
    moved = [r for r in changes if r["change"] == "moved"]
    assert {r["attribution_before"] for r in moved} == {"CC-2 (resource_tag: CC-2)"}
    assert {r["attribution_after"] for r in moved} == {"CC-3 (resource_tag: CC-3)"}

    journal = read_csv(folder / "adjustment-journal.csv")
    debit = sum((Decimal(r["debit"] or 0) for r in journal), Decimal(0))
    credit = sum((Decimal(r["credit"] or 0) for r in journal), Decimal(0))
    assert debit - credit == 0  # balanced to the cent
    by_center = {
        r["cost_center"]: Decimal(r["debit"] or 0) - Decimal(r["credit"] or 0)
        for r in journal
        if r["cost_center"]
    }
    assert by_center == expected
    assert {r["date"] for r in journal} == {"2026-11-30"}
    assert {r["period"] for r in journal} == {"2026-11"}
    assert {r["reference"] for r in journal} == {f"{close['run_id']} / {event['adjustment_id']}"}

    # the same refresh again: nothing changed since closed + that adjustment
    again = run_cli(export(tmp_path / "restated", RESTATED), out)
    assert again.exit_code == 0, again.output
    assert again.stdout == f"2026-10 is closed (run {close['run_id']}): no change, no adjustment\n"
    assert [p.name for p in (out / "2026-10.adjustments").iterdir()] == [event["adjustment_id"]]
    assert snapshot(out)[3][-1] == "000004-no-adjustment.json"
    assert snapshot(out)[:3] == before[:3]


def test_each_adjustment_is_against_closed_plus_the_earlier_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_at(export(tmp_path / "oct", OCTOBER), out, datetime(2026, 11, 5, tzinfo=UTC))
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    later = [*RESTATED, tagged("p3", "CC-3", 0.25, line_item_line_item_type="Tax")]
    results = [
        run_at(export(tmp_path / f"r{i}", rows), out, datetime(2026, 11, 10 + i, tzinfo=UTC))
        for i, rows in enumerate([RESTATED, later])
    ]
    infos = [r.adjustment for r in results]
    journal = read_csv(results[1].outputs["journal"])  # the library names the adjustment's files
    assert {r["cost_center"] for r in journal} == {"CC-3", ""}
    assert all(i is not None and i.status == "adjusted" for i in infos)
    total: dict[str, Decimal] = {}
    for info in infos:
        assert info is not None
        for c in info.centers:
            total[c.cost_center] = total.get(c.cost_center, Decimal(0)) + c.adjustment
    closed, restated = per_center(OCTOBER), per_center(later)
    assert total == {cc: restated.get(cc, Decimal(0)) - closed.get(cc, Decimal(0)) for cc in closed}
    assert infos[1] is not None
    assert {c.cost_center: c.adjustment for c in infos[1].centers if c.adjustment} == {
        "CC-3": Decimal("0.25")
    }


def test_an_adjustment_is_booked_in_a_later_period(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(export(tmp_path / "oct", OCTOBER), out).exit_code == 0
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    before = snapshot(out)
    source = export(tmp_path / "restated", RESTATED)
    got = cli(
        "run", str(source), "--period", "2026-10", "--out", str(out), "--post-period", "2026-10"
    )
    assert got.exit_code == ExitCode.CONFIG
    assert got.stderr == (
        "error: --post-period 2026-10 is not after 2026-10: an adjustment of a closed month is "
        "booked in a later, open period\n"
    )
    assert snapshot(out) == before
    assert not (out / "2026-10.adjustments").exists()


def test_the_adjustment_workbook_has_live_totals_and_text_cells(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(export(tmp_path / "oct", OCTOBER), out).exit_code == 0
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    hostile = '=HYPERLINK("http://x","y")'
    rows = [tagged("p1", "CC-1", 10.00), tagged("p2", hostile, 4.00), tagged("p3", "CC-3", 3.00)]
    got = run_cli(export(tmp_path / "restated", rows), out)
    assert got.exit_code == 0, got.output
    (folder,) = (out / "2026-10.adjustments").iterdir()
    formulas = openpyxl.load_workbook(folder / "adjustment.xlsx")["Adjustment"]
    values = openpyxl.load_workbook(folder / "adjustment.xlsx", data_only=True)["Adjustment"]
    table = [
        [c.value for c in r]
        for r in values.iter_rows(min_col=1, max_col=5)
        if r[0].value == "USD" and isinstance(r[2].value, int | float)
    ]
    closed, restated = per_center(OCTOBER), per_center(rows)
    expected = {
        cc: restated.get(cc, Decimal(0)) - closed.get(cc, Decimal(0)) for cc in closed | restated
    }
    assert {r[1]: Decimal(str(r[4])).quantize(Decimal("0.01")) for r in table} == expected
    live = [
        r
        for r in formulas.iter_rows(min_col=1, max_col=5)
        if isinstance(r[4].value, str) and r[4].value.startswith("=")
    ]
    assert len(live) == len(table) + 1  # each adjustment and the total are formulas
    assert live[-1][4].value.startswith("=SUM(")
    texts = [r[1] for r in formulas.iter_rows(min_col=1, max_col=5) if r[0].value == "USD"]
    assert all(c.data_type == "s" for c in texts)  # the hostile cost center stays text
    total = sum(expected.values(), Decimal(0))
    cached = values[live[-1][4].coordinate].value
    assert Decimal(str(cached)).quantize(Decimal("0.01")) == total


def test_a_changed_closed_file_is_detected_not_adjusted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(export(tmp_path / "oct", OCTOBER), out).exit_code == 0
    assert cli("close", "--period", "2026-10", "--out", str(out)).exit_code == 0
    lines = out / "2026-10" / "chargeback-2026-10-lines.csv"
    lines.write_text(lines.read_text().replace("10.00", "1.00"))  # someone edited a booked file
    before = snapshot(out)
    got = run_cli(export(tmp_path / "restated", RESTATED), out)
    assert got.exit_code == ExitCode.OUTPUT
    assert got.stderr == (
        "error: the booked statement lines of 2026-10 do not match the SHA-256 the month's "
        "history recorded: a closed or adjusted file was changed; restore it from a backup\n"
    )
    assert snapshot(out) == before
    assert not (out / "2026-10.adjustments").exists()


def test_a_damaged_history_event_is_reported(tmp_path: Path, run_on: RunFn) -> None:
    out = tmp_path / "out"
    run_on(export(tmp_path / "a", ROWS), out=out)
    event = out / "2026-10.history" / "000001-run.json"
    event.write_text("{not json")
    got = cli("history", "--period", "2026-10", "--out", str(out))
    assert got.exit_code == ExitCode.OUTPUT
    assert got.stderr == (
        f"error: {event} is not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)): the month's history is damaged; restore the file from a "
        "backup\n"
    )


def test_a_month_published_before_runs_were_logged_can_be_closed(
    tmp_path: Path, run_on: RunFn
) -> None:
    out = tmp_path / "out"
    result = run_on(export(tmp_path / "a", ROWS), out=out)
    for event in (out / "2026-10.history").iterdir():  # as an older version left it
        event.unlink()
    got = cli("close", "--period", "2026-10", "--out", str(out))
    assert got.exit_code == 0, got.output
    (row,) = month_history(str(out), OCT)
    assert (row.event, row.run_id) == ("close", result.run_id)
