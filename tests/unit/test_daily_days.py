"""Query 45 gives each group's days (18, by the group's 64-bit key) to the cost centers the
rules gave the group: whole to one cost center, in the split's proportions to several, and
over both groups' cost centers should two groups share a key. Checked on tables made here
against a computation with Fractions, through chargeback's own ``daily_spend``."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from chargeback.allocate.daily_spend import daily_spend
from chargeback.allocate.engine import Engine
from chargeback.allocate.queries import query_text

#: (group_key, line_item_type, cost_center, amount): the allocated table's parts.
PARTS = [
    (1, "Usage", "CC-A", "10.000000000001"),  # one group, one cost center, two days
    (2, "Usage", "CC-A", "3.000000000000"),  # a group split by the invocation logs
    (2, "Usage", "CC-B", "1.000000000000"),
    (3, "Usage", "CC-C", "7.000000000000"),  # two groups that share a key
    (3, "Usage", "CC-D", "3.000000000000"),
    (4, "Tax", "CC-A", "99.000000000000"),  # dated to the month: never a day's spend
    (5, "DiscountedUsage", "CC-B", "-2.000000000000"),
]
#: (group_key, day, amount): bedrock_days.
DAYS = [
    (1, "2026-10-01", "4.000000000000"),
    (1, "2026-10-02", "6.000000000001"),
    (2, "2026-10-02", "3.000000000000"),
    (2, "2026-10-03", "1.000000000000"),
    (3, "2026-10-05", "10.000000000000"),
    (4, "2026-10-01", "99.000000000000"),
    (5, "2026-10-03", "-2.000000000000"),
    (6, "2026-10-04", "50.000000000000"),  # a group 15 dropped: no part, never counted
]


def expected() -> dict[tuple[str, str], Decimal]:
    usage = [p for p in PARTS if p[1] != "Tax"]
    by_key: dict[int, list[tuple[str, Fraction]]] = defaultdict(list)
    for key, _kind, cc, amount in usage:
        by_key[key].append((cc, Fraction(amount)))
    sums: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for key, day, amount in DAYS:
        parts = by_key.get(key, [])
        total = sum(a for _cc, a in parts)
        for cc, part in parts:
            sums[(cc, day)] += Fraction(amount) * part / total
    return {k: Decimal(v.numerator) / Decimal(v.denominator) for k, v in sums.items()}


def test_each_groups_days_go_where_its_parts_went() -> None:
    engine = Engine(threads=1)
    try:
        engine.con.execute(
            "CREATE TEMP TABLE allocated (group_key UBIGINT, line_item_type VARCHAR, "
            "currency VARCHAR, cost_center VARCHAR, amount DECIMAL(38, 12))"
        )
        engine.con.executemany(
            "INSERT INTO allocated VALUES (?, ?, 'USD', ?, ?)", [list(p) for p in PARTS]
        )
        engine.con.execute(
            "CREATE TEMP TABLE bedrock_days (group_key UBIGINT, day VARCHAR, "
            "amount DECIMAL(38, 12))"
        )
        engine.con.executemany("INSERT INTO bedrock_days VALUES (?, ?, ?)", [list(d) for d in DAYS])
        got = {(d.cost_center, d.day): d.amount for d in daily_spend(engine)}
    finally:
        engine.close()
    cent = Decimal("0.01")
    want = {k: v.quantize(cent, ROUND_HALF_UP) for k, v in expected().items()}
    assert got == want
    assert got[("CC-A", "2026-10-02")] == Decimal("8.25")  # 6 of group 1, 3/4 of group 2's 3
    assert got[("CC-C", "2026-10-05")] == Decimal("7.00")
    assert ("CC-A", "2026-10-04") not in got


def test_the_group_key_hashes_every_column_of_the_groups() -> None:
    """A column added to 13's groups but not to its key would give two groups one key, and
    their days would be shared between them: the key, the groups and the day rows' NULLs
    name the same columns."""
    text = query_text("13_bedrock_groups")
    hashed = re.search(r"hash\(([^)]*)\) END AS group_key", text)
    assert hashed is not None
    key = [c.strip() for c in hashed.group(1).split(",")]
    wide = re.search(r"\n\)\nSELECT\n(.*?)\n    group_key,\n    NULL AS usage_day,", text, re.S)
    assert wide is not None
    grouped = [line.strip().rstrip(",") for line in wide.group(1).splitlines()]
    day_rows = text[text.rindex("UNION ALL") :]
    nulls = re.findall(r"NULL AS (\w+),", day_rows.split("group_key,")[0])
    assert len(key) == 27
    assert key == grouped == nulls
