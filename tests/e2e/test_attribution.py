"""Attribution rules in precedence order, the cost-center master list and aliases.

Every amount is checked to the cent against figures written in the test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from chargeback.settings.rules import AllocationRules, CostCenter, Rule
from tests.support.builders import PROJECT, cur2_row, tagged
from tests.support.runs import by, lines, run_rows, summary

D = Decimal
ROLE_SESSION = "arn:aws:sts::444455556666:assumed-role/DataSci/alice-session"
ROLE = "arn:aws:iam::444455556666:role/DataSci"
MASTER = (
    CostCenter("CC-1001", "Search", "ana", "6100"),
    CostCenter("CC-2002", "Support", "bo", "6200"),
    CostCenter("CC-3003", "Retired", "cy", "6300", active=False),
)


def principal_row(cost: float, principal: str, tag: str | None = None, **kw: Any) -> dict[str, Any]:
    tags = {"iamPrincipal/CostCenter": tag} if tag else {}
    return cur2_row(
        cost=cost,
        line_item_resource_id=PROJECT + "proj_untagged",
        line_item_iam_principal=principal,
        tags=tags,
        **kw,
    )


def test_resource_tag_wins_over_principal_tag_and_maps(tmp_path: Path) -> None:
    rows = [
        {
            **tagged("proj_a", "CC-1001", 10.25),
            "line_item_iam_principal": ROLE_SESSION,
            "tags": {"iamPrincipal/CostCenter": "CC-2002"},
        },
    ]
    rules = AllocationRules(
        resource_map={"proj_a": "CC-2002"}, account_map={"444455556666": "CC-2002"}
    )
    result = run_rows(tmp_path, rows, rules)
    assert summary(result) == {"CC-1001": D("10.25")}
    [line] = lines(result)
    assert (line["attribution_source"], line["attribution_value"]) == ("resource_tag", "CC-1001")


def test_principal_tag_when_the_project_has_no_tag(tmp_path: Path) -> None:
    rows = [principal_row(3.33, ROLE_SESSION, "CC-2002"), principal_row(1.01, ROLE_SESSION)]
    result = run_rows(tmp_path, rows)
    assert summary(result) == {"CC-2002": D("3.33"), "UNATTRIBUTED": D("1.01")}
    got = by(lines(result), "attribution_source", "unattributed_reason")
    assert got == {("principal_tag", ""): D("3.33"), ("none", "untagged"): D("1.01")}


def test_mapping_tables_project_arn_principal_role_and_account(tmp_path: Path) -> None:
    other_account = "000011112222"
    rows = [
        tagged("proj_id_mapped", None, 1.10),
        tagged("proj_arn_mapped", None, 2.20),
        principal_row(3.30, ROLE_SESSION),
        cur2_row(
            cost=4.40, line_item_usage_account_id=other_account, line_item_line_item_type="Tax"
        ),
        tagged("proj_nothing", None, 5.50),
    ]
    rules = AllocationRules(
        resource_map={
            "proj_id_mapped": "CC-1001",
            (PROJECT + "proj_arn_mapped").lower(): "CC-2002",
        },
        principal_map={ROLE.lower(): "CC-1001"},
        account_map={other_account: "CC-2002"},
    )
    result = run_rows(tmp_path, rows, rules)
    assert summary(result) == {
        "CC-1001": D("4.40"),
        "CC-2002": D("6.60"),
        "UNATTRIBUTED": D("5.50"),
    }
    got = by(lines(result), "cost_center", "attribution_source")
    assert got == {
        ("CC-1001", "resource_map"): D("1.10"),
        ("CC-1001", "principal_map"): D("3.30"),
        ("CC-2002", "resource_map"): D("2.20"),
        ("CC-2002", "account_map"): D("4.40"),
        ("UNATTRIBUTED", "none"): D("5.50"),
    }


def test_order_is_configurable_account_map_first(tmp_path: Path) -> None:
    rows = [tagged("proj_a", "CC-1001", 7.77)]
    rules = AllocationRules(
        order=(Rule.ACCOUNT_MAP, Rule.RESOURCE_TAG), account_map={"444455556666": "CC-2002"}
    )
    assert summary(run_rows(tmp_path, rows, rules)) == {"CC-2002": D("7.77")}


def test_rule_left_out_of_the_order_is_not_used(tmp_path: Path) -> None:
    rows = [principal_row(2.00, ROLE_SESSION, "CC-2002")]
    rules = AllocationRules(order=(Rule.RESOURCE_TAG,))
    result = run_rows(tmp_path, rows, rules)
    assert summary(result) == {"UNATTRIBUTED": D("2.00")}


def test_master_list_trims_folds_case_and_resolves_aliases(tmp_path: Path) -> None:
    rows = [
        tagged("proj_a", "CC-1001", 1.00),
        tagged("proj_b", "  cc-1001 ", 2.00),
        tagged("proj_c", "cc1001", 4.00),
        tagged("proj_d", "CC-2002", 8.00),
    ]
    rules = AllocationRules(master=MASTER, aliases={"cc1001": "CC-1001"})
    result = run_rows(tmp_path, rows, rules)
    assert summary(result) == {"CC-1001": D("7.00"), "CC-2002": D("8.00")}


def test_code_not_in_master_is_invalid_never_a_phantom_cost_center(tmp_path: Path) -> None:
    rows = [
        tagged("proj_a", "CC-1001", 1.00),
        tagged("proj_typo", "CC-1O01", 2.50),
        tagged("proj_old", "CC-3003", 0.75),
    ]
    result = run_rows(tmp_path, rows, AllocationRules(master=MASTER))
    assert summary(result) == {"CC-1001": D("1.00"), "UNATTRIBUTED": D("3.25")}
    got = by(lines(result), "unattributed_reason", "attribution_value", "project_id")
    assert got == {
        ("", "CC-1001", "proj_a"): D("1.00"),
        ("invalid_cost_center", "CC-1O01", "proj_typo"): D("2.50"),
        ("inactive_cost_center", "CC-3003", "proj_old"): D("0.75"),
    }
    assert result.attribution["invalid_cost_centers"] == [
        {"value": "CC-1O01", "reason": "invalid_cost_center", "currency": "USD", "amount": "2.50"},
        {"value": "CC-3003", "reason": "inactive_cost_center", "currency": "USD", "amount": "0.75"},
    ]


def test_without_master_any_tag_value_is_a_cost_center(tmp_path: Path) -> None:
    rows = [tagged("proj_a", "Team Rocket", 0.10), tagged("proj_b", "cc1001", 0.20)]
    result = run_rows(tmp_path, rows, AllocationRules(aliases={"cc1001": "CC-1001"}))
    assert summary(result) == {"CC-1001": D("0.20"), "Team Rocket": D("0.10")}


def test_default_project_untagged_and_no_resource_reasons(tmp_path: Path) -> None:
    rows = [
        tagged("default", None, 1.11),
        tagged("proj_x", None, 2.22),
        cur2_row(cost=3.33, line_item_line_item_type="Tax"),
    ]
    result = run_rows(tmp_path, rows)
    got = by(lines(result), "unattributed_reason")
    assert got == {
        ("default_project",): D("1.11"),
        ("untagged",): D("2.22"),
        ("no_resource",): D("3.33"),
    }


def test_principal_map_exact_user_arn_before_role_and_case_insensitive(tmp_path: Path) -> None:
    user = "arn:aws:iam::444455556666:user/Alice"
    rows = [principal_row(0.30, user), principal_row(0.70, ROLE_SESSION)]
    rules = AllocationRules(
        principal_map={
            user.lower(): "CC-2002",
            ROLE_SESSION.lower(): "CC-1001",  # the exact session wins over its role
            ROLE.lower(): "CC-2002",
        }
    )
    result = run_rows(tmp_path, rows, rules)
    assert summary(result) == {"CC-1001": D("0.70"), "CC-2002": D("0.30")}
