"""What changed between the statements a month was closed with and a restated run of it
(issue 18): per cost center and currency, and line by line at statement-line grain.

Pure logic over the rows of two lines CSVs (``chargeback-YYYY-MM-lines.csv``, as text: the
same writer made both, so equal lines compare equal). A statement line is identified by what
it charges for (``KEY_FIELDS``: currency, project, tags, account, model, usage, resource),
not by who pays: a line whose cost center changed (a tag or rule change) is *moved*, with
the attribution before and after. The adjustment is always ``restated - baseline``, the
baseline being the closed statements plus every earlier adjustment, so the adjustments of a
month add up to restated - closed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

#: The columns that identify a statement line across runs.
KEY_FIELDS: tuple[str, ...] = (
    "currency",
    "project_id",
    "application",
    "environment",
    "team",
    "owner",
    "usage_account_id",
    "model",
    "usage_type",
    "usage_kind",
    "line_item_type",
    "pricing_unit",
    "resource_id",
)
ADDED = "added"
REMOVED = "removed"
CHANGED = "amount changed"
MOVED = "moved"

Row = Mapping[str, str]


@dataclass(frozen=True)
class CenterDelta:
    """One cost center's figures in one currency."""

    currency: str
    cost_center: str
    closed: Decimal
    restated: Decimal

    @property
    def adjustment(self) -> Decimal:
        return self.restated - self.closed


@dataclass(frozen=True)
class LineChange:
    """A statement line whose amount for ``cost_center`` changed."""

    change: str
    key: tuple[str, ...]
    cost_center: str
    before: Decimal
    after: Decimal
    #: Who paid for this line before and after, as "COST CENTER (source: value)", "; "-joined.
    attribution_before: str
    attribution_after: str

    @property
    def delta(self) -> Decimal:
        return self.after - self.before

    @property
    def currency(self) -> str:
        return self.key[0]


@dataclass(frozen=True)
class Restatement:
    centers: tuple[CenterDelta, ...]
    changes: tuple[LineChange, ...]

    @property
    def unchanged(self) -> bool:
        return not self.changes and all(c.adjustment == 0 for c in self.centers)

    def currencies(self) -> list[str]:
        return sorted({c.currency for c in self.centers})

    def total(self, currency: str) -> tuple[Decimal, Decimal]:
        """The currency's closed and restated totals."""
        rows = [c for c in self.centers if c.currency == currency]
        return sum((c.closed for c in rows), Decimal(0)), sum(
            (c.restated for c in rows), Decimal(0)
        )


def compare(baseline: Iterable[Row], restated: Iterable[Row]) -> Restatement:
    """The restatement from ``baseline`` lines (closed + earlier adjustments) to ``restated``."""
    before, who_before = _by_key(baseline)
    after, who_after = _by_key(restated)
    centers: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for side, lines in ((0, before), (1, after)):
        for key, amounts in lines.items():
            for cc, amount in amounts.items():
                centers[(key[0], cc)][side] += amount
    changes: list[LineChange] = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key, {}), after.get(key, {})
        if not was:
            kind = ADDED
        elif not now:
            kind = REMOVED
        elif set(was) != set(now):
            kind = MOVED
        else:
            kind = CHANGED
        for cc in sorted(set(was) | set(now)):
            old, new = was.get(cc, Decimal(0)), now.get(cc, Decimal(0))
            if old != new:
                changes.append(
                    LineChange(
                        kind,
                        key,
                        cc,
                        old,
                        new,
                        "; ".join(who_before.get(key, [])),
                        "; ".join(who_after.get(key, [])),
                    )
                )
    deltas = tuple(
        CenterDelta(currency, cc, amounts[0], amounts[1])
        for (currency, cc), amounts in sorted(centers.items())
    )
    return Restatement(deltas, tuple(changes))


def _by_key(
    rows: Iterable[Row],
) -> tuple[dict[tuple[str, ...], dict[str, Decimal]], dict[tuple[str, ...], list[str]]]:
    """Key -> cost center -> amount; key -> the attributions that applied, in order."""
    lines: dict[tuple[str, ...], dict[str, Decimal]] = defaultdict(dict)
    who: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for row in rows:
        key = tuple(row.get(f, "") for f in KEY_FIELDS)
        cc = row.get("cost_center", "")
        amounts = lines[key]
        amounts[cc] = amounts.get(cc, Decimal(0)) + Decimal(row.get("amount") or "0")
        source, value = row.get("attribution_source", ""), row.get("attribution_value", "")
        text = f"{cc} ({source}: {value})" if source or value else cc
        if text not in who[key]:
            who[key].append(text)
    return dict(lines), dict(who)
