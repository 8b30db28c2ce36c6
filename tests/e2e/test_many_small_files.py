"""A month delivered as hundreds of small files (issue 19) adds up as one file would: every
cost center's amount to the cent against sums made here from the Parquet files with pyarrow,
whether the files share one schema (read without DuckDB's union_by_name) or not (the first
file without a column the others have, columns in another order, a column more: read with
it)."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from chargeback.pipeline import run
from chargeback.settings.model import Period, RunConfig
from tests.support.builders import table, tagged
from tests.support.runs import by, lines, summary

FILES = 300
CENTERS = ("CC-1", "CC-2", "CC-3", None)
ACCOUNTS = ("444455556666", "777788889999")


def _rows(rng: random.Random, n: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for _ in range(n):
        cost = rng.randint(1, 99_999) / 100  # whole cents: no rounding between lines and totals
        center = rng.choice(CENTERS)
        account = rng.choice(ACCOUNTS)
        if rng.random() < 0.2:  # not Bedrock: never counted
            rows.append(
                tagged(
                    "p",
                    center,
                    cost,
                    line_item_product_code="AmazonEC2",
                    product_product_family="Compute Instance",
                    line_item_usage_account_id=account,
                )
            )
        else:
            rows.append(
                tagged(f"p{rng.randint(1, 5)}", center, cost, line_item_usage_account_id=account)
            )
    return rows


def _write_month(root: Path, mixed: bool) -> Path:
    """FILES small files; with ``mixed``, the first lacks the usage account column (so DuckDB
    cannot take the first file's schema for all), every third has its columns in reverse
    order and every fifth a column the others lack."""
    rng = random.Random(19)
    folder = root / "data" / "BILLING_PERIOD=2026-10"
    folder.mkdir(parents=True)
    for i in range(FILES):
        t = table(_rows(rng, rng.randint(1, 6)))
        if mixed and i == 0:
            t = t.drop_columns(["line_item_usage_account_id"])
        if mixed and i % 3 == 0:
            t = t.select(list(reversed(t.column_names)))
        if mixed and i % 5 == 0:
            t = t.append_column("line_item_line_item_description", [[f"file {i}"] * t.num_rows])
        pq.write_table(t, folder / f"part-{i:05d}.snappy.parquet", compression="snappy")
    return root


def _expected(root: Path) -> tuple[dict[str, Decimal], dict[tuple[str, ...], Decimal]]:
    """Bedrock cost per cost center tag, and per cost center and usage account, summed here
    from every file with pyarrow."""
    centers: dict[str, Decimal] = defaultdict(Decimal)
    accounts: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for path in sorted(root.rglob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            if row["line_item_product_code"] != "AmazonBedrock":
                continue
            tags = dict(row["resource_tags"] or [])
            center = tags.get("user_cost_center") or "UNATTRIBUTED"
            cost = Decimal(repr(row["line_item_net_unblended_cost"]))
            centers[center] += cost
            accounts[(center, row.get("line_item_usage_account_id") or "")] += cost
    return dict(centers), dict(accounts)


@pytest.mark.parametrize("mixed", [False, True], ids=["one-schema", "mixed-schemas"])
def test_many_small_files_add_up_to_the_cent(tmp_path: Path, mixed: bool) -> None:
    root = _write_month(tmp_path / "export", mixed)
    result = run(
        RunConfig(source=str(root), period=Period.parse("2026-10"), out=str(tmp_path / "out"))
    )
    centers, accounts = _expected(root)
    assert len(result.files) == FILES
    assert summary(result) == {c: a.quantize(Decimal("0.01")) for c, a in centers.items()}
    assert by(lines(result), "cost_center", "usage_account_id") == accounts
    assert len({account for _center, account in accounts}) == (3 if mixed else 2)
    assert sum(f.rows for f in result.files) == sum(
        pq.read_metadata(p).num_rows for p in root.rglob("*.parquet")
    )
