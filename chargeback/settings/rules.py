"""The allocation rules of a run, as typed values: attribution order, tables, policies.

Built and validated by ``chargeback.settings.files`` (from ``chargeback.toml``) and
``chargeback.settings.tables`` (the CSV tables it names); read by ``allocate`` and ``policies``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from chargeback.taxonomy import PolicyKind


class Rule(StrEnum):
    """Where a line's cost center may come from, tried in the configured order."""

    RESOURCE_TAG = "resource_tag"  # cost-center tag on the project / inference profile
    PRINCIPAL_TAG = "principal_tag"  # the same tag on the calling IAM principal
    RESOURCE_MAP = "resource_map"  # mapping table: project id or resource ARN
    PRINCIPAL_MAP = "principal_map"  # mapping table: IAM principal ARN (or its role)
    ACCOUNT_MAP = "account_map"  # mapping table: usage account id
    ACCOUNT_TAG = "account_tag"  # the tag on the usage account (tags map: accountTag/<key>)
    #: token usage split by the callers' shares of the matching invocation-log tokens
    INVOCATION_LOGS = "invocation_logs"


#: Most specific first: the line's own resource, then its caller, then its account; at each
#: level the tag AWS carries before the table finance keeps. An account tag covers every
#: line of the account, so it comes after the resource and principal tables, whose rows
#: name exactly the lines someone chose to map.
DEFAULT_ORDER: tuple[Rule, ...] = (
    Rule.RESOURCE_TAG,
    Rule.PRINCIPAL_TAG,
    Rule.RESOURCE_MAP,
    Rule.PRINCIPAL_MAP,
    Rule.ACCOUNT_TAG,
    Rule.ACCOUNT_MAP,
)


#: Where the invocation_logs rule goes when the order does not name it: last, after the
#: tags and tables, so the logs only split what nothing the export carries attributed.
def with_invocation_logs(order: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """``order`` with the invocation_logs rule in it (last, unless it is named already)."""
    return order if Rule.INVOCATION_LOGS in order else (*order, Rule.INVOCATION_LOGS)


#: The rules that read the cost-center tag (``RunConfig.cost_center_tag``).
TAG_RULES: tuple[Rule, ...] = (Rule.RESOURCE_TAG, Rule.PRINCIPAL_TAG, Rule.ACCOUNT_TAG)
#: The rules that read a mapping table, by the table's key in ``[attribution]``.
TABLE_RULES: tuple[Rule, ...] = (Rule.RESOURCE_MAP, Rule.PRINCIPAL_MAP, Rule.ACCOUNT_MAP)


class Method(StrEnum):
    """What to do with one kind of unattributed spend."""

    KEEP = "keep"  # stays UNATTRIBUTED
    PROPORTIONAL = "proportional"  # over cost centers by their attributed usage
    EVEN = "even"  # evenly over the cost centers with attributed spend
    FIXED = "fixed"  # fixed percentages adding up to 100


@dataclass(frozen=True)
class Policy:
    method: Method = Method.KEEP
    #: For ``fixed``: (cost center code, percentage), percentages summing to 100.
    shares: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class CostCenter:
    """One row of the cost-center master list."""

    code: str
    name: str = ""
    owner: str = ""
    gl_account: str = ""
    active: bool = True
    #: The monthly budget (``budget`` column), None when the list gives none; in
    #: ``budget_currency`` (empty: the currency of the cost center's spend).
    budget: Decimal | None = None
    budget_currency: str = ""


@dataclass(frozen=True)
class AlertThresholds:
    """When a month's spend is flagged (``[alerts]`` in chargeback.toml, issue 15)."""

    #: A cost center's (or cost center and model's) month above this many times the median
    #: of its previous published months.
    month_ratio: Decimal = Decimal("1.5")
    #: Previous published months needed before a month is compared (at most six are read).
    min_months: int = 2
    #: Spend below this (in the line's currency) is never flagged: small numbers swing.
    min_amount: Decimal = Decimal("10")
    #: Budget share used from which a cost center is flagged although not over budget.
    budget_warn_pct: Decimal = Decimal("90")
    #: A cost center's day (its usage lines by usage date) above this many times the median
    #: of the month's other days with spend; 0 turns the daily check off (and the scan then
    #: does not sum each group's days).
    day_ratio: Decimal = Decimal("3")
    #: A day's spend below this (in the line's currency) is never flagged.
    min_day_amount: Decimal = Decimal("10")

    @property
    def by_day(self) -> bool:
        """Whether the daily check runs (the scan sums each group's spend by usage day)."""
        return self.day_ratio > 0


def code_key(value: str) -> str:
    """How cost-center codes and aliases are matched: trimmed, case folded."""
    return value.strip().lower()


@dataclass(frozen=True)
class AllocationRules:
    """Attribution order, the tables that feed it, and the unattributed-spend policies."""

    order: tuple[Rule, ...] = DEFAULT_ORDER
    #: Mapping tables, keys already normalized (``code_key``) -> cost center as written.
    resource_map: dict[str, str] = field(default_factory=dict)
    principal_map: dict[str, str] = field(default_factory=dict)
    account_map: dict[str, str] = field(default_factory=dict)
    #: The master list; empty means "any code found in a tag is a cost center".
    master: tuple[CostCenter, ...] = ()
    #: alias key (``code_key``) -> code.
    aliases: dict[str, str] = field(default_factory=dict)
    policies: dict[PolicyKind, Policy] = field(default_factory=dict)
    #: Where each table came from, for run.json and messages.
    files: dict[str, str] = field(default_factory=dict)

    def policy(self, kind: PolicyKind) -> Policy:
        return self.policies.get(kind, Policy())

    def lookup_rows(self) -> list[tuple[str, str, bool]]:
        """(key, code, active) for every master code and alias: the ``cc_lookup`` table."""
        rows = {code_key(c.code): (c.code, c.active) for c in self.master}
        active = {c.code: c.active for c in self.master}
        for alias, code in self.aliases.items():
            rows.setdefault(alias, (code, active.get(code, True)))
        return [(k, code, act) for k, (code, act) in sorted(rows.items())]
