"""One taxonomy of Bedrock lines: the Summary column, the policy kind and the SQL's idea of
usage all come from ``chargeback.taxonomy``, for every line item type and every usage kind."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

import chargeback.taxonomy as taxonomy
from chargeback.allocate.policies import policy_kind
from chargeback.allocate.statements import UNATTRIBUTED, StatementLine, build_currency_totals
from chargeback.bedrock_taxonomy import Product, classify
from chargeback.read.focus import CHARGE_CATEGORY
from chargeback.report.views import summary_rows
from chargeback.settings.rules import AllocationRules, Method, Policy
from chargeback.taxonomy import (
    CATEGORIES,
    CATEGORY_POLICY,
    KIND_LABELS,
    LINE_ITEM_TYPES,
    USAGE_KINDS,
    Category,
    PolicyKind,
)
from tests.support.builders import PROJECT, cur2_row, tagged
from tests.support.runs import run_rows

D = Decimal

#: Types AWS may add later, and what they must fall back to.
UNKNOWN = {"SomethingNew": Category.FEES, "FutureDiscount": Category.DISCOUNTS}
#: Every type the tests walk, with the Summary column the table (or the fallback) gives it.
EXPECTED: dict[str, Category] = {
    **{name: t.category for name, t in LINE_ITEM_TYPES.items()},
    **UNKNOWN,
}

#: A usage type (and product inference type / feature) the macro names as each usage kind.
USAGE_SAMPLES: dict[str, tuple[str, str | None, str | None]] = {
    "input": ("USE1-Claude4.6Sonnet-input-tokens", "Input tokens", "On-demand Inference"),
    "output": ("USE1-Claude4.6Sonnet-output-tokens", "Output tokens", "On-demand Inference"),
    "cache_read": ("USE1-Claude4.6Sonnet-cache-read-input-token-count", None, None),
    "cache_write": ("USE1-Claude4.6Sonnet-cache-write-input-token-count", None, None),
    "batch_input": ("USE1-Claude4.6Sonnet-batch-input-tokens", "Input tokens", "Batch"),
    "batch_output": ("USE1-Claude4.6Sonnet-batch-output-tokens", "Output tokens", "Batch"),
    "provisioned_throughput": ("USE1-ProvisionedThroughput-ModelUnits", None, None),
    "other": ("USE1-CustomModelStorage-NovaPro", None, None),
}


def expected_kind(line_item_type: str, usage_kind: str, reason: str) -> PolicyKind:
    """The policy kind the taxonomy's table says an unattributed line has."""
    if reason in ("invalid_cost_center", "inactive_cost_center"):
        return PolicyKind.INVALID_COST_CENTER
    category = EXPECTED[line_item_type]
    if category is not Category.GROSS_USAGE:
        return CATEGORY_POLICY[category]
    if usage_kind == "provisioned_throughput":
        return PolicyKind.PROVISIONED
    return PolicyKind.DEFAULT_PROJECT if reason == "default_project" else PolicyKind.UNTAGGED


def line(line_item_type: str, usage_kind: str = "", reason: str = "untagged") -> StatementLine:
    return replace(
        StatementLine.blank(UNATTRIBUTED, "USD", line_item_type),
        unattributed_reason=reason,
        usage_kind=usage_kind,
        usage_type=USAGE_SAMPLES[usage_kind or "input"][0],
        exact_amount=D("12.34"),
        line_items=1,
    )


def summary_column(ln: StatementLine) -> str:
    """The Summary column the real summary (views.summary_rows) puts a line's amount in."""
    [totals] = build_currency_totals([ln])
    [row] = summary_rows(totals.cost_centers, None)
    filled = [c for c, amount in row.categories.items() if amount]
    assert len(filled) == 1 and row.categories[filled[0]] == row.net == round(ln.exact_amount, 2)
    return filled[0]


# -- the table itself ------------------------------------------------------------------------


def test_the_table_holds_every_line_item_type_aws_documents() -> None:
    documented = {
        "Usage",
        "DiscountedUsage",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "SavingsPlanUpfrontFee",
        "SavingsPlanRecurringFee",
        "RIFee",
        "Fee",
        "Tax",
        "Credit",
        "Refund",
        "BundledDiscount",
        "EdpDiscount",
        "PrivateRateDiscount",
        "RiVolumeDiscount",
        "SppDiscount",
        "DistributorDiscount",
    }
    assert set(LINE_ITEM_TYPES) == documented
    assert all(name == t.name and t.meaning for name, t in LINE_ITEM_TYPES.items())
    # FOCUS input becomes these types: they must be known ones.
    assert set(CHARGE_CATEGORY.values()) <= set(LINE_ITEM_TYPES)


def test_each_column_but_usage_has_exactly_one_policy_kind() -> None:
    assert set(CATEGORY_POLICY) == set(CATEGORIES) - {Category.GROSS_USAGE}
    assert len(set(CATEGORY_POLICY.values())) == len(CATEGORY_POLICY)
    assert set(KIND_LABELS) == set(PolicyKind)
    # Each column is used by some known type.
    assert {t.category for t in LINE_ITEM_TYPES.values()} == set(CATEGORIES)


def test_unknown_types_fall_back_explicitly() -> None:
    assert taxonomy.category("SomethingNew") is Category.FEES is taxonomy.UNKNOWN_CATEGORY
    assert taxonomy.category("FutureDiscount") is Category.DISCOUNTS
    assert taxonomy.category("") is Category.FEES
    assert not taxonomy.is_usage("SomethingNew") and not taxonomy.is_usage("")


def test_the_taxonomy_is_a_leaf_module() -> None:
    tree = ast.parse(Path(taxonomy.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {name.split(".")[0] for name in imported}
    assert roots <= set(sys.stdlib_module_names) | {"__future__"}


# -- Python: Summary column and policy kind, through the real functions ------------------------


@pytest.mark.parametrize("line_item_type", sorted(EXPECTED))
def test_summary_column_and_policy_kind_agree_with_the_table(line_item_type: str) -> None:
    category = EXPECTED[line_item_type]
    usage_kind = "input" if category is Category.GROSS_USAGE else ""
    ln = line(line_item_type, usage_kind)
    assert summary_column(ln) == category
    for reason in (
        "untagged",
        "default_project",
        "no_resource",
        "invalid_cost_center",
        "inactive_cost_center",
    ):
        got = policy_kind(replace(ln, unattributed_reason=reason))
        assert got is expected_kind(line_item_type, usage_kind, reason), reason


@pytest.mark.parametrize("usage_kind", USAGE_KINDS)
def test_every_usage_kind_is_gross_usage_with_its_policy_kind(usage_kind: str) -> None:
    for line_item_type in ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"):
        ln = line(line_item_type, usage_kind)
        assert summary_column(ln) == Category.GROSS_USAGE
        for reason in ("untagged", "default_project", "no_resource", "invalid_cost_center"):
            got = policy_kind(replace(ln, unattributed_reason=reason))
            assert got is expected_kind(line_item_type, usage_kind, reason), reason


def test_reserved_capacity_usage_is_provisioned() -> None:
    ln = replace(line("Usage", "other"), usage_type="USE1-ReservedTier-Claude")
    assert policy_kind(ln) is PolicyKind.PROVISIONED


def test_savings_plan_negation_is_a_discount_on_the_summary_and_for_its_policy() -> None:
    ln = line("SavingsPlanNegation")
    assert summary_column(ln) == Category.DISCOUNTS
    assert policy_kind(ln) is PolicyKind.DISCOUNT
    assert policy_kind(replace(ln, unattributed_reason="default_project")) is PolicyKind.DISCOUNT


# -- the Bedrock taxonomy names usage where this table says a line is usage ------------------


@pytest.mark.parametrize("usage_kind", USAGE_KINDS)
def test_the_bedrock_taxonomy_names_every_usage_kind_where_python_sees_usage(
    usage_kind: str,
) -> None:
    usage_type, inference_type, feature = USAGE_SAMPLES[usage_kind]
    for line_item_type in [*EXPECTED, ""]:
        got = classify(
            Product(
                line_item_type=line_item_type,
                usage_type=usage_type,
                inference_type=inference_type or "",
                feature=feature or "",
                pricing_unit="1K tokens",
            )
        ).usage_kind
        assert got == (usage_kind if taxonomy.is_usage(line_item_type) else ""), line_item_type


# -- the whole pipeline: export lines -> SQL -> Summary and policies ---------------------------


def test_every_type_through_the_pipeline_lands_where_the_table_says(tmp_path: Path) -> None:
    """One untagged line of each type and each usage kind, next to tagged usage; every policy
    splits evenly, so each pool's kind is what the pipeline decided for that type."""
    names = sorted(EXPECTED)
    rows = [tagged("proj_a", "CC-A", 100.00)]
    for i, name in enumerate(names, start=1):
        rows.append(
            cur2_row(
                cost=float(i),
                line_item_line_item_type=name,
                line_item_resource_id=PROJECT + "proj_untagged",
            )
        )
    for i, (usage_type, inference, feature) in enumerate(USAGE_SAMPLES.values()):
        product = {"inference_type": inference, "feature": feature}
        rows.append(
            cur2_row(
                cost=1000.0 + i,
                line_item_usage_type=usage_type,
                line_item_resource_id=PROJECT + "default",
                product={k: v for k, v in product.items() if v is not None},
            )
        )
    even = AllocationRules(policies={kind: Policy(Method.EVEN) for kind in PolicyKind})
    result = run_rows(tmp_path, rows, even)

    found = [ln for ln in result.allocation.lines if ln.unattributed_reason == "untagged"]
    by_type = {ln.line_item_type: ln for ln in found}
    assert sorted(by_type) == names
    for name, ln in by_type.items():
        assert bool(ln.usage_kind) is (EXPECTED[name] is Category.GROSS_USAGE), name
        assert summary_column(ln) == EXPECTED[name], name
        assert policy_kind(ln) is expected_kind(name, ln.usage_kind, "untagged"), name
    default = [ln for ln in result.allocation.lines if ln.unattributed_reason == "default_project"]
    assert sorted(ln.usage_kind for ln in default) == sorted(USAGE_KINDS)
    for ln in default:
        assert summary_column(ln) == Category.GROSS_USAGE
        assert policy_kind(ln) is expected_kind("Usage", ln.usage_kind, "default_project")

    # The policies pooled each line under the kind the table gives it.
    pooled: dict[tuple[str, PolicyKind], Decimal] = {}
    for split in result.allocation.splits:
        pooled[(split.line_item_type, split.kind)] = split.pool
    want: dict[tuple[str, PolicyKind], Decimal] = defaultdict(Decimal)
    for ln in [*found, *default]:
        kind = expected_kind(ln.line_item_type, ln.usage_kind, ln.unattributed_reason)
        want[(ln.line_item_type, kind)] += ln.exact_amount
    assert pooled == want
    assert pooled[("SavingsPlanNegation", PolicyKind.DISCOUNT)] == D(
        names.index("SavingsPlanNegation") + 1
    )
