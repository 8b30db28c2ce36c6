"""Settings that select and attribute Bedrock lines and must never give a silently wrong
month: the cost-center tag's forms, the account's tag, tag columns written by other tools,
Marketplace lines, and the net-cost fallback (issue 17).

Every amount is checked to the cent against the rows the test wrote.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from chargeback.settings.rules import AllocationRules, Rule
from tests.support.builders import cur2_row, tagged
from tests.support.runs import by, lines, run_rows, summary

D = Decimal
ACCOUNT = "444455556666"


def account_row(cost: float, tag: str | None, project: str = "proj_x", **kw: Any) -> dict[str, Any]:
    """A line of an untagged project in ACCOUNT, whose account carries ``tag``."""
    tags = {"accountTag/CostCenter": tag} if tag is not None else {}
    return {**tagged(project, None, cost), "tags": tags, **kw}


# -- the cost-center tag given in the tags map's form --------------------------------------------


def test_the_resource_tags_form_of_the_key_finds_the_tag(tmp_path: Path) -> None:
    rows = [tagged("proj_a", "CC-1", 2.50), tagged("proj_b", "CC-2", 1.25)]
    result = run_rows(tmp_path, rows, cost_center_tag="resourceTags/CostCenter")
    assert summary(result) == {"CC-1": D("2.50"), "CC-2": D("1.25")}


def test_the_resource_tags_form_also_reads_the_tags_map(tmp_path: Path) -> None:
    rows = [{**tagged("proj_a", None, 4.00), "tags": {"resourceTags/CostCenter": "CC-9"}}]
    result = run_rows(tmp_path, rows, cost_center_tag="resourceTags/CostCenter")
    assert summary(result) == {"CC-9": D("4.00")}


# -- the usage account's tag (account_tag) -------------------------------------------------------


def test_account_tag_charges_lines_nothing_more_specific_charges(tmp_path: Path) -> None:
    rows = [
        account_row(3.00, "CC-ACC"),
        {**account_row(5.00, "CC-ACC"), "resource_tags": {"user_cost_center": "CC-RES"}},
        account_row(0.70, "CC-ACC", project="proj_mapped"),
        account_row(0.05, None),
    ]
    rules = AllocationRules(resource_map={"proj_mapped": "CC-MAP"})
    result = run_rows(tmp_path, rows, rules)
    assert summary(result) == {
        "CC-ACC": D("3.00"),
        "CC-MAP": D("0.70"),
        "CC-RES": D("5.00"),
        "UNATTRIBUTED": D("0.05"),
    }
    got = by(lines(result), "cost_center", "attribution_source")
    assert got[("CC-ACC", "account_tag")] == D("3.00")
    assert got[("CC-MAP", "resource_map")] == D("0.70")


def test_account_tag_comes_before_the_account_map_by_default(tmp_path: Path) -> None:
    rows = [account_row(1.11, "CC-ACC"), account_row(2.22, None)]
    rules = AllocationRules(account_map={ACCOUNT: "CC-TABLE"})
    result = run_rows(tmp_path, rows, rules)
    assert summary(result) == {"CC-ACC": D("1.11"), "CC-TABLE": D("2.22")}


def test_account_tag_left_out_of_the_order_is_not_used(tmp_path: Path) -> None:
    rows = [account_row(1.50, "CC-ACC")]
    rules = AllocationRules(order=(Rule.RESOURCE_TAG, Rule.PRINCIPAL_TAG))
    assert summary(run_rows(tmp_path, rows, rules)) == {"UNATTRIBUTED": D("1.50")}


def test_account_tag_key_spellings(tmp_path: Path) -> None:
    rows = [
        {**tagged("p1", None, 1.00), "tags": {"accountTag/costcenter": "CC-LOWER"}},
        {**tagged("p2", None, 2.00), "tags": {"accountTag/user_cost_center": "CC-CUR"}},
        {**tagged("p3", None, 4.00), "tags": {"accountTag/Team": "not-a-cost-center"}},
        cur2_row(cost=8.00, tags={"userAttribute/CostCenter": "CC-USER"}),
    ]
    result = run_rows(tmp_path, rows)
    assert summary(result) == {
        "CC-CUR": D("2.00"),
        "CC-LOWER": D("1.00"),
        "UNATTRIBUTED": D("12.00"),
    }
