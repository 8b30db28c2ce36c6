"""The taxonomy of Bedrock lines, defined once: what each CUR line item type is.

Every place that sorts lines by kind reads this module: the Summary's columns
(``report.views``), the policy an UNATTRIBUTED line falls under (``allocate.policies``), and
the kind of usage the Bedrock taxonomy gives a line (``bedrock_taxonomy``: a line is usage
only where ``is_usage`` says so). A leaf module: it imports only the standard library.

``LINE_ITEM_TYPES`` holds every ``line_item_line_item_type`` AWS documents for CUR 2.0 (the
``*Discount`` types other than ``BundledDiscount`` appear as their own lines when the export
has manual discount compatibility or comes through a partner), each with its Summary column.
The policy kind of a line follows from its column, so the two cannot disagree:

- a usage line (column ``gross_usage``) is ``provisioned`` when it is provisioned throughput
  or reserved capacity, else ``default_project`` or ``untagged`` by why it is unattributed;
- every other column has exactly one policy kind (``CATEGORY_POLICY``): fees -> fee,
  credits -> credit, refunds -> refund, discounts -> discount, tax -> tax;
- whatever the line, a cost center that is not in the master list or is inactive makes it
  ``invalid_cost_center``: the fix is the tag, not a policy for its kind of line.

A type AWS may add later falls back explicitly (``category``): a name ending in ``Discount``
is a discount (AWS names every discount type so), anything else is a fee ("fees and other"
on the Summary, policy ``fee``). Neither is ever usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """The Summary's columns that split a cost center's charge, in their order."""

    GROSS_USAGE = "gross_usage"
    FEES = "fees"
    CREDITS = "credits"
    REFUNDS = "refunds"
    DISCOUNTS = "discounts"
    TAX = "tax"


#: Summary columns, in order.
CATEGORIES: tuple[Category, ...] = tuple(Category)


class PolicyKind(StrEnum):
    """Kinds of line that stay unattributed after the rules, each with its own policy."""

    DEFAULT_PROJECT = "default_project"
    UNTAGGED = "untagged"
    INVALID_COST_CENTER = "invalid_cost_center"
    TAX = "tax"
    CREDIT = "credit"
    REFUND = "refund"
    FEE = "fee"
    PROVISIONED = "provisioned"
    DISCOUNT = "discount"


#: How the kinds are named on statements ("allocated share of default-project usage").
KIND_LABELS: dict[PolicyKind, str] = {
    PolicyKind.DEFAULT_PROJECT: "default-project usage",
    PolicyKind.UNTAGGED: "untagged usage",
    PolicyKind.INVALID_COST_CENTER: "usage with an invalid cost center",
    PolicyKind.TAX: "tax",
    PolicyKind.CREDIT: "credits",
    PolicyKind.REFUND: "refunds",
    PolicyKind.FEE: "fees",
    PolicyKind.PROVISIONED: "provisioned throughput and reserved capacity",
    PolicyKind.DISCOUNT: "discounts",
}

#: The policy kind of every line that is not usage, by its Summary column.
CATEGORY_POLICY: dict[Category, PolicyKind] = {
    Category.FEES: PolicyKind.FEE,
    Category.CREDITS: PolicyKind.CREDIT,
    Category.REFUNDS: PolicyKind.REFUND,
    Category.DISCOUNTS: PolicyKind.DISCOUNT,
    Category.TAX: PolicyKind.TAX,
}

#: Unattributed reasons (queries/32_allocate.sql) that make any line ``invalid_cost_center``.
INVALID_REASONS: frozenset[str] = frozenset({"invalid_cost_center", "inactive_cost_center"})

#: The kinds of usage ``bedrock_taxonomy.classify`` names, in the order statements
#: show them; lines that are not usage (tax, credit, fee...) have kind "".
USAGE_KINDS: tuple[str, ...] = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "batch_input",
    "batch_output",
    "provisioned_throughput",
    "other",
)


@dataclass(frozen=True)
class LineItemType:
    """One value of ``line_item_line_item_type``: its Summary column and what AWS means."""

    name: str
    category: Category
    meaning: str


#: Every line item type AWS documents, by name.
LINE_ITEM_TYPES: dict[str, LineItemType] = {
    t.name: t
    for t in (
        LineItemType("Usage", Category.GROSS_USAGE, "usage at on-demand rates"),
        LineItemType("DiscountedUsage", Category.GROSS_USAGE, "usage a reservation covers"),
        LineItemType(
            "SavingsPlanCoveredUsage", Category.GROSS_USAGE, "usage a Savings Plan covers"
        ),
        LineItemType(
            "SavingsPlanNegation",
            Category.DISCOUNTS,
            "the Savings Plan benefit that offsets covered usage (negative)",
        ),
        LineItemType(
            "SavingsPlanUpfrontFee", Category.FEES, "upfront fee of a Savings Plan purchase"
        ),
        LineItemType("SavingsPlanRecurringFee", Category.FEES, "monthly fee of a Savings Plan"),
        LineItemType("RIFee", Category.FEES, "monthly recurring fee of a reservation"),
        LineItemType("Fee", Category.FEES, "upfront and other fees"),
        LineItemType("Tax", Category.TAX, "tax"),
        LineItemType("Credit", Category.CREDITS, "a credit AWS applied"),
        LineItemType("Refund", Category.REFUNDS, "money refunded"),
        LineItemType(
            "BundledDiscount", Category.DISCOUNTS, "usage-based discount of a bundled service"
        ),
        LineItemType("EdpDiscount", Category.DISCOUNTS, "Enterprise Discount Program"),
        LineItemType("PrivateRateDiscount", Category.DISCOUNTS, "private pricing discount"),
        LineItemType("RiVolumeDiscount", Category.DISCOUNTS, "reservation volume discount"),
        LineItemType("SppDiscount", Category.DISCOUNTS, "Solution Provider Program discount"),
        LineItemType("DistributorDiscount", Category.DISCOUNTS, "distributor discount"),
    )
}

#: Where a type AWS may add later goes: ``*Discount`` -> discounts, anything else -> fees.
UNKNOWN_DISCOUNT_SUFFIX = "Discount"
UNKNOWN_CATEGORY = Category.FEES


def category(line_item_type: str) -> Category:
    """The Summary column of a line item type (unknown types: see ``UNKNOWN_CATEGORY``)."""
    known = LINE_ITEM_TYPES.get(line_item_type)
    if known is not None:
        return known.category
    if line_item_type.endswith(UNKNOWN_DISCOUNT_SUFFIX):
        return Category.DISCOUNTS
    return UNKNOWN_CATEGORY


def is_usage(line_item_type: str) -> bool:
    """Whether lines of this type are usage (they get a usage kind and count as usage)."""
    return category(line_item_type) is Category.GROSS_USAGE


def unattributed_kind(
    line_item_type: str, usage_kind: str, usage_type: str, reason: str
) -> PolicyKind:
    """The policy kind of an UNATTRIBUTED line, from its type, kind of usage, usage type and
    unattributed reason."""
    if reason in INVALID_REASONS:
        return PolicyKind.INVALID_COST_CENTER
    kind = CATEGORY_POLICY.get(category(line_item_type))
    if kind is not None:
        return kind
    if usage_kind == "provisioned_throughput" or "reserved" in usage_type.lower():
        return PolicyKind.PROVISIONED
    if reason == "default_project":
        return PolicyKind.DEFAULT_PROJECT
    return PolicyKind.UNTAGGED
