"""What each sheet and statement file shows, computed from the rounded model.

Everything here sums amounts that ``statements.py`` already rounded, so every grouping adds
up exactly to the cost center it comes from: no new rounding, no new differences.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from chargeback.allocate.allocation import Allocation
from chargeback.allocate.statements import (
    UNATTRIBUTED,
    Breakdown,
    CostCenterTotal,
    StatementLine,
)
from chargeback.taxonomy import CATEGORIES, USAGE_KINDS, category

#: Order of usage kinds on a statement ('' = not usage: tax, credit, fee...).
KIND_ORDER: tuple[str, ...] = (*USAGE_KINDS, "")


@dataclass(frozen=True)
class SummaryRow:
    cost_center: str
    currency: str
    owner: str
    team: str
    categories: Mapping[str, Decimal]
    net: Decimal
    share_pct: Decimal
    line_items: int
    last_month: Decimal | None
    change: Decimal | None


def summary_rows(
    centers: Sequence[CostCenterTotal], previous: Mapping[tuple[str, str], Decimal] | None
) -> list[SummaryRow]:
    """One row per cost center of one currency, UNATTRIBUTED last; cost centers charged last
    month but not this month get a row with zero so the change shows."""
    rows = []
    currency = centers[0].currency if centers else ""
    for cc in centers:
        split: dict[str, Decimal] = {c: Decimal("0.00") for c in CATEGORIES}
        for line in cc.lines:
            split[category(line.line_item_type)] += line.amount
        last = None if previous is None else previous.get((cc.cost_center, cc.currency))
        last = Decimal("0.00") if previous is not None and last is None else last
        rows.append(
            SummaryRow(
                cost_center=cc.cost_center,
                currency=cc.currency,
                owner="; ".join(cc.owners),
                team="; ".join(cc.teams),
                categories=split,
                net=cc.amount,
                share_pct=cc.share_pct,
                line_items=sum(ln.line_items for ln in cc.lines),
                last_month=last,
                change=None if last is None else cc.amount - last,
            )
        )
    if previous:
        present = {cc.cost_center for cc in centers}
        gone = sorted(
            (name for name, cur in previous if cur == currency and name not in present),
            key=lambda n: (n == UNATTRIBUTED, n),
        )
        for name in gone:
            last = previous[(name, currency)]
            zero = Decimal("0.00")
            rows.append(
                SummaryRow(
                    name,
                    currency,
                    "",
                    "",
                    dict.fromkeys(CATEGORIES, zero),
                    zero,
                    zero,
                    0,
                    last,
                    -last,
                )
            )
        rows.sort(key=lambda r: (r.cost_center == UNATTRIBUTED, r.cost_center))
    return rows


@dataclass(frozen=True)
class GroupedLine:
    """Statement lines that differ only in details a statement does not show, summed."""

    project_id: str
    model: str
    usage_kind: str
    usage_type: str
    line_item_type: str
    pricing_unit: str
    currency: str
    application: str
    environment: str
    team: str
    owner: str
    usage_account_id: str
    resource_id: str
    attribution_source: str
    attribution_value: str
    description: str
    usage_amount: Decimal
    amount: Decimal
    line_items: int


@dataclass(frozen=True)
class ProjectGroup:
    project_id: str
    lines: tuple[GroupedLine, ...]

    @property
    def amount(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal(0))


#: The last few cost centers' groups, by their lines (held, so the id stays theirs): a cost
#: center's workbook and CSV are written one after the other from the same lines.
_RECENT_GROUPS: list[tuple[Sequence[StatementLine], list[ProjectGroup]]] = []


def statement_groups(lines: Sequence[StatementLine]) -> list[ProjectGroup]:
    """A cost center's lines by project (lines without one last), then model and usage kind
    and type; lines that are not usage (tax, credit, fee) last within their project. The
    groups are read, never changed: asked again for the same lines, the same list."""
    for seen, groups in _RECENT_GROUPS:
        if seen is lines:
            return groups
    groups = _statement_groups(lines)
    _RECENT_GROUPS[:] = [(lines, groups), *_RECENT_GROUPS[:1]]
    return groups


def _statement_groups(lines: Iterable[StatementLine]) -> list[ProjectGroup]:
    buckets: dict[tuple[str, ...], list[StatementLine]] = defaultdict(list)
    for ln in lines:
        key = (
            ln.project_id,
            ln.model,
            ln.usage_kind,
            ln.usage_type,
            ln.line_item_type,
            ln.pricing_unit,
            ln.currency,
            ln.attribution_source,
            ln.attribution_value,
            ln.description,
        )
        buckets[key].append(ln)
    grouped = [_group(key, members) for key, members in buckets.items()]
    grouped.sort(
        key=lambda g: (
            g.project_id == "",
            g.project_id,
            g.usage_kind == "",
            g.model,
            _kind_rank(g.usage_kind),
            g.usage_type,
            g.line_item_type,
            g.description,
            g.attribution_source,
            g.attribution_value,
        )
    )
    projects: dict[str, list[GroupedLine]] = defaultdict(list)
    for g in grouped:
        projects[g.project_id].append(g)
    return [ProjectGroup(p, tuple(members)) for p, members in projects.items()]


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER) - 1


#: The fields a group shows joined (``a; b``): its lines' distinct values.
_JOINED = ("application", "environment", "team", "owner", "usage_account_id", "resource_id")


def _group(key: tuple[str, ...], members: Sequence[StatementLine]) -> GroupedLine:
    project, model, kind, usage_type, item_type, unit, currency, source, value, text = key
    if len(members) == 1:  # most groups: the line's own values (the sums' Decimal(0) + x kept)
        (m,) = members
        joined = [getattr(m, name) for name in _JOINED]
        usage, amount, items = Decimal(0) + m.usage_amount, Decimal(0) + m.amount, m.line_items
    else:
        joined = [_join(getattr(m, name) for m in members) for name in _JOINED]
        usage = sum((m.usage_amount for m in members), Decimal(0))
        amount = sum((m.amount for m in members), Decimal(0))
        items = sum(m.line_items for m in members)
    application, environment, team, owner, account, resource = joined
    return GroupedLine(
        project_id=project,
        model=model,
        usage_kind=kind,
        usage_type=usage_type,
        line_item_type=item_type,
        pricing_unit=unit,
        currency=currency,
        application=application,
        environment=environment,
        team=team,
        owner=owner,
        usage_account_id=account,
        resource_id=resource,
        attribution_source=source,
        attribution_value=value,
        description=text,
        usage_amount=usage,
        amount=amount,
        line_items=items,
    )


def _join(values: Iterable[str]) -> str:
    return "; ".join(sorted({v for v in values if v}))


def by_reason(center: CostCenterTotal) -> list[tuple[str, Decimal]]:
    """The UNATTRIBUTED amount by reason, largest first."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in center.lines:
        sums[line.unattributed_reason] += line.amount
    return sorted(sums.items(), key=lambda kv: (-abs(kv[1]), kv[0]))


def worklist(allocation: Allocation, currency: str) -> list[Breakdown]:
    """Unattributed spend of one currency to get tagged, largest first."""
    rows = [b for b in allocation.worklist if b.currency == currency]
    return sorted(rows, key=lambda b: (-abs(b.amount), b.keys))


@dataclass(frozen=True)
class TagCoverage:
    key: str
    currency: str
    total: Decimal
    attributed: Decimal

    @property
    def share(self) -> float:
        """Attributed share of the spend, 0..1 (0 when there is no spend)."""
        return float(self.attributed / self.total) if self.total else 0.0


def tag_coverage(allocation: Allocation, field: str) -> list[TagCoverage]:
    """Share of Bedrock spend carrying a cost center, by ``usage_account_id`` or
    ``project_id`` ('' when the line has no project), per currency, largest spend first.
    Lines a policy made (shares and their offsets) carry no tag and are left out."""
    total: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    attributed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in allocation.lines:
        if line.attribution_source.startswith("policy_"):
            continue
        key = (str(getattr(line, field)), line.currency)
        total[key] += line.amount
        if line.cost_center != UNATTRIBUTED:
            attributed[key] += line.amount
    rows = [TagCoverage(k, c, total[(k, c)], attributed[(k, c)]) for k, c in total]
    return sorted(rows, key=lambda r: (r.currency, -abs(r.total), r.key))


def invoice_ids(allocation: Allocation, cost_center: str) -> tuple[str, ...]:
    return allocation.invoices_by_center.get(cost_center, ())


def cost_centers(allocation: Allocation) -> dict[str, list[CostCenterTotal]]:
    """Each attributed cost center's totals (one per currency), by name, sorted."""
    result: dict[str, list[CostCenterTotal]] = {}
    centers = [c for t in allocation.totals for c in t.cost_centers if not c.is_unattributed]
    for cc in sorted(centers, key=lambda c: (c.cost_center, c.currency)):
        result.setdefault(cc.cost_center, []).append(cc)
    return result
