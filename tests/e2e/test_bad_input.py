"""The corpus of bad inputs: for each, the exact line a user sees, and nothing published.

Each case builds its export in tmp_path and runs the real pipeline; ``{root}`` in the
expected message stands for the export's folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chargeback.errors import ExitCode, InputError
from tests.support.builders import CUR2_TYPES, cur2_row, table, tagged, write
from tests.support.runs import RunFn


def zero_byte(root: Path) -> None:
    write(root / "a.parquet", [tagged("p", "CC-1", 1.0)])
    (root / "b.parquet").write_bytes(b"")


def truncated(root: Path) -> None:
    path = write(root / "a.parquet", [tagged("p", "CC-1", 1.0)] * 50)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def corrupt_footer(root: Path) -> None:
    path = write(root / "a.parquet", [tagged("p", "CC-1", 1.0)] * 50)
    data = bytearray(path.read_bytes())
    data[-12:-4] = b"\xff" * 8  # footer length and metadata garbage
    path.write_bytes(bytes(data))


def csv_named_parquet(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "a.parquet").write_text("line_item_unblended_cost\n1.0\n")


def missing_column(root: Path) -> None:
    write(
        root / "a.parquet",
        [tagged("p", "CC-1", 1.0)],
        columns=[c for c in CUR2_TYPES if c != "line_item_product_code"],
    )


def cost_as_text(root: Path) -> None:
    row = tagged("p", "CC-1", 1.0)
    row["line_item_net_unblended_cost"] = "1.0"
    write(
        root / "a.parquet", [row], types={**CUR2_TYPES, "line_item_net_unblended_cost": pa.string()}
    )


def nan_cost(root: Path) -> None:
    write(root / "a.parquet", [tagged("p", "CC-1", float("nan"), identity_line_item_id="li-1")])


def null_cost(root: Path) -> None:
    write(root / "a.parquet", [tagged("p", "CC-1", None, identity_line_item_id="li-2")])  # type: ignore[arg-type]


def infinite_cost(root: Path) -> None:
    write(root / "a.parquet", [tagged("p", "CC-1", float("-inf"), identity_line_item_id="li-3")])


def duplicate_delivery(root: Path) -> None:
    rows = [
        tagged(
            "p",
            "CC-1",
            1.0,
            identity_line_item_id=f"li-{i}",
            identity_time_interval="2026-10-01T00:00:00Z/2026-10-01T01:00:00Z",
        )
        for i in range(3)
    ]
    types = {**CUR2_TYPES, "identity_time_interval": pa.string()}
    write(root / "delivery-1" / "a.parquet", rows, types=types)
    # a refresh: the same Bedrock lines and one more row, so the files are not byte copies
    # (copies are refused before any line is read: tests/e2e/test_partial_month.py)
    ec2 = cur2_row(cost=2.0, line_item_product_code="AmazonEC2", product_product_family="VM")
    refreshed = [*rows, ec2]
    write(root / "delivery-2" / "a.parquet", refreshed, types=types)


def wrong_period(root: Path) -> None:
    write(root / "a.parquet", [cur2_row(period="2026-09", cost=1.0)] * 3)


def not_parquet_at_all(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "report.csv").write_text("a,b\n")


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "zero-byte file": (
        zero_byte,
        "{root}/b.parquet is empty (0 bytes): remove it or download it again",
    ),
    "truncated file": (truncated, "{root}/a.parquet is not a readable Parquet file"),
    "corrupt footer": (corrupt_footer, "{root}/a.parquet is not a readable Parquet file"),
    "CSV named .parquet": (csv_named_parquet, "{root}/a.parquet is not a readable Parquet file"),
    "missing column": (
        missing_column,
        "{root}/a.parquet has no column line_item_product_code: every CUR 2.0 or legacy CUR "
        "export has it; is this file from a cost and usage export?",
    ),
    "cost as text": (
        cost_as_text,
        "{root}/a.parquet: column line_item_net_unblended_cost is string, not a number: costs "
        "in CUR are DOUBLE; was the file rewritten by another tool?",
    ),
    "NaN cost": (
        nan_cost,
        "{root}/a.parquet: Bedrock line item li-1 has cost nan; a chargeback "
        "cannot guess it: fix or re-download the export",
    ),
    "NULL cost": (
        null_cost,
        "{root}/a.parquet: Bedrock line item li-2 has cost NULL; a "
        "chargeback cannot guess it: fix or re-download the export",
    ),
    "infinite cost": (
        infinite_cost,
        "{root}/a.parquet: Bedrock line item li-3 has cost -inf; "
        "a chargeback cannot guess it: fix or re-download the export",
    ),
    "duplicate delivery": (
        duplicate_delivery,
        "Bedrock line item li-0 appears in both {root}/delivery-1/a.parquet and "
        "{root}/delivery-2/a.parquet (3 line items repeat across files): SOURCE holds two "
        "deliveries of the export; point it at one delivery, or keep the manifest so only its "
        "files are read",
    ),
    "period absent": (
        wrong_period,
        "no rows for 2026-10 in {root}; billing periods present: 2026-09 (3 rows)",
    ),
    "no parquet": (
        not_parquet_at_all,
        "no Parquet files under {root}: point SOURCE at the export's root folder (the one "
        "holding data/ and metadata/) or at a folder of .parquet files",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_its_exact_error_and_publishes_nothing(
    case: str, tmp_path: Path, run_on: RunFn
) -> None:
    build, expected = CASES[case]
    root = tmp_path / "export"
    build(root)
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(root, out=out)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(expected.format(root=root)), message
    assert info.value.exit_code == ExitCode.INPUT
    assert not out.exists() or list(out.iterdir()) == []


def test_bad_input_leaves_the_previous_month_intact(tmp_path: Path, run_on: RunFn) -> None:
    good = tmp_path / "good"
    write(good / "a.parquet", [tagged("p", "CC-1", 1.0)])
    out = tmp_path / "out"
    first = run_on(good, out=out)
    before = {p.name: p.read_bytes() for p in Path(first.output_dir).rglob("*") if p.is_file()}
    bad = tmp_path / "bad"
    truncated(bad)
    with pytest.raises(InputError):
        run_on(bad, out=out)
    after = {p.name: p.read_bytes() for p in Path(first.output_dir).rglob("*") if p.is_file()}
    assert after == before


def test_only_non_bedrock_rows_is_an_empty_valid_statement_set(
    tmp_path: Path, run_on: RunFn
) -> None:
    write(
        tmp_path / "e" / "a.parquet",
        [
            tagged(
                "i-1",
                "CC-1",
                5.0,
                line_item_product_code="AmazonEC2",
                product_product_family="Compute Instance",
            )
        ],
    )
    result = run_on(tmp_path / "e")
    summary = Path(result.outputs["summary"]).read_text().splitlines()
    assert summary == [
        "billing_period,cost_center,currency,amount,share_pct,owner,team,line_items,"
        "cost_center_name,gl_account,cost_center_owner,last_month,change,change_pct"
    ]
    assert result.rows.bedrock == 0
    assert result.totals == ()
    assert Path(result.outputs["workbook"]).stat().st_size > 0


def test_hostile_text_in_csv(tmp_path: Path, run_on: RunFn) -> None:
    values = [
        "=1+2",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "CC\x07-1\x00",
        "X" * 10_000,
        'q"uote;semi',
        "ok",
    ]
    rows = [tagged(f"p{i}", v, 1.0) for i, v in enumerate(values)]
    write(tmp_path / "e" / "a.parquet", rows)
    result = run_on(tmp_path / "e")
    text = Path(result.outputs["summary"]).read_text(encoding="utf-8")
    assert "\x00" not in text and "\x07" not in text
    import csv

    with Path(result.outputs["summary"]).open(newline="", encoding="utf-8") as handle:
        names = {r["cost_center"] for r in csv.DictReader(handle)}
    assert names == {
        "'=1+2",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "\\x0dx",
        "CC\\x07-1\\x00",
        "X" * 10_000,
        'q"uote;semi',
        "ok",
    }


def test_non_utf8_bytes_in_a_tag_value(tmp_path: Path, run_on: RunFn) -> None:
    tbl = table([tagged("p", "CC-1", 1.0)])
    col = tbl.schema.get_field_index("line_item_usage_type")
    raw = pa.array([b"USE1-\xff\xfe-input-tokens"], type=pa.binary())
    tbl = tbl.set_column(col, "line_item_usage_type", raw)
    (tmp_path / "e").mkdir()
    pq.write_table(tbl, tmp_path / "e" / "a.parquet")
    result = run_on(tmp_path / "e")
    assert str(result.totals[0].export_bedrock_total) == "1.00"
