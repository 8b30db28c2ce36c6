"""A month an accountant would recognise, and helpers that read workbooks back cell by cell.

Every amount has at most two decimals, so the expected figures below are plain sums of what
the test wrote, computed here without the tool.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support.builders import PROJECT, cur2_row, write

EVIL = '=HYPERLINK("http://x","y")'
LONG = "Research and Development Department Europe"
PRINCIPAL = "arn:aws:sts::444455556666:assumed-role/DataScience/alice"


def line(
    cost_center: str | None,
    cost: float,
    project: str | None = "proj_chat",
    kind: str = "input-tokens",
    item_type: str = "Usage",
    **fields: Any,
) -> dict[str, Any]:
    tags = {"user_owner": "alice", "user_team": "ml"} if cost_center == "CC-1001" else {}
    if cost_center is not None:
        tags["user_cost_center"] = cost_center
    return cur2_row(
        cost=cost,
        line_item_line_item_type=item_type,
        line_item_usage_type=f"USE1-Claude4.6Sonnet-{kind}" if kind else "",
        line_item_resource_id=PROJECT + project if project else None,
        resource_tags=tags,
        **fields,
    )


def month() -> list[dict[str, Any]]:
    return [
        line("CC-1001", 10.25, kind="input-tokens", line_item_usage_amount=1000.5),
        line("CC-1001", 20.50, kind="output-tokens"),
        line("CC-1001", 1.10, kind="cache-read-input-token-count"),
        line("CC-1001", 2.20, kind="cache-write-input-token-count"),
        line("CC-1001", 3.00, project="proj_batch", kind="batch-input-tokens"),
        line("CC-1001", 0.90, kind="", item_type="Tax"),
        line("CC-1001", -1.00, kind="", item_type="Credit"),
        line("CC-1001", -0.40, kind="", item_type="Refund"),
        line("CC-1001", -0.25, kind="", item_type="EdpDiscount"),
        line("CC-1001", 0.30, kind="", item_type="Fee"),
        line(
            "CC-2002",
            50.00,
            project="proj_pt",
            kind="ProvisionedThroughput-ModelUnits",
            line_item_usage_account_id="777788889999",
            pricing_unit="ModelUnit-Hours",
        ),
        line(EVIL, 1.23, project="proj_evil"),
        line("../../etc", 2.34, project="proj_dots"),
        line("CON", 0.50, project="proj_con"),
        line("a/b", 0.60, project="proj_ab"),
        line("cc-1001", 0.70, project="proj_lower"),
        line(LONG, 0.80, project="proj_long"),
        line(None, 4.00, project="default", line_item_iam_principal=PRINCIPAL),
        line(
            None, 3.00, project="proj_untagged", line_item_iam_principal="arn:aws:iam::1:user/bob"
        ),
        line(None, 0.33, project=None, kind="", item_type="Tax"),
        line(None, -0.10, project=None, kind="", item_type="Credit"),
    ]


def write_month(folder: Path, rows: list[dict[str, Any]] | None = None) -> Path:
    write(folder / "data" / "BILLING_PERIOD=2026-10" / "x-00001.snappy.parquet", rows or month())
    return folder


def expected_by_center(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        name = (row.get("resource_tags") or {}).get("user_cost_center") or "UNATTRIBUTED"
        out[name] += Decimal(repr(row["line_item_net_unblended_cost"]))
    return dict(out)


def money(value: Any) -> Decimal:
    """A stored cell value as money, to the cent."""
    return Decimal(repr(float(value))).quantize(Decimal("0.01"))


def find(ws: Any, text: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not on sheet {ws.title}")


def find_all(ws: Any, text: str) -> list[tuple[int, int]]:
    return [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value == text]


def header_columns(ws: Any, row: int) -> dict[str, int]:
    """Column label -> column number of the table header at ``row``."""
    return {c.value: c.column for c in ws[row] if isinstance(c.value, str)}


def table_header(ws: Any, label: str) -> tuple[int, dict[str, int]]:
    """The row of the table header holding ``label``, and its column label -> column number."""
    head, _ = find(ws, label)
    return head, header_columns(ws, head)


def range_rows(formula: str) -> tuple[int, int, str]:
    """First and last row and the column letter of ``=SUM(N5:N9)`` / ``=SUBTOTAL(9,N5:N9)``."""
    inner = formula.split("(", 1)[1].rstrip(")").split(",")[-1]
    start, end = inner.split(":")
    col = "".join(c for c in start if c.isalpha())
    return int(start[len(col) :]), int(end[len(col) :]), col
