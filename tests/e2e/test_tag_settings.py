"""Settings that select and attribute Bedrock lines and must never give a silently wrong
month: the cost-center tag's forms, the account's tag, tag columns written by other tools,
Marketplace lines, and the net-cost fallback (issue 17).

Every amount is checked to the cent against the rows the test wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chargeback.errors import ChargebackError, ExitCode, InputError
from chargeback.frontends.cli import app
from chargeback.settings.rules import AllocationRules, Rule
from chargeback.survey import periods
from tests.support.builders import CUR2_TYPES, cur2_row, tagged, write
from tests.support.runs import RunFn, by, lines, run_rows, summary

D = Decimal
ACCOUNT = "444455556666"


def account_row(cost: float, tag: str | None, project: str = "proj_x", **kw: Any) -> dict[str, Any]:
    """A line of an untagged project in ACCOUNT, whose account carries ``tag``."""
    tags = {"accountTag/CostCenter": tag} if tag is not None else {}
    return {**tagged(project, None, cost), "tags": tags, **kw}


def published(out: Path) -> dict[str, bytes]:
    """Every file under ``out``, by its path relative to it."""
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def refused(
    tmp_path: Path, run_on: RunFn, build: Callable[[Path], None], **settings: Any
) -> ChargebackError:
    """Publish a good month, then run ``build``'s export for the same month into the same
    folder: the run must fail, leaving the good month's set exactly as it was."""
    out = tmp_path / "out"
    good = write(tmp_path / "good" / "a.parquet", [tagged("p", "CC-1", 1.0)])
    run_on(good.parent, out=out)
    before = published(out)
    bad = tmp_path / "bad"
    build(bad)
    with pytest.raises(ChargebackError) as info:
        run_on(bad, out=out, **settings)
    assert published(out) == before
    assert [p.name for p in out.iterdir()] == ["2026-10"]  # no staging folder left
    message = str(info.value)
    assert "\n" not in message
    return info.value


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


# -- net unblended cost: decided once per export ----------------------------------------------

NO_NET = [c for c in CUR2_TYPES if c != "line_item_net_unblended_cost"]


def discounted_month() -> list[dict[str, Any]]:
    """Usage at 10.00 with a separate 2.50 discount line (manual discount compatibility),
    both net and unblended, and tax; a net total of 9.00, an unblended one of 11.50."""
    return [
        tagged("p", "CC-1", 10.00, line_item_net_unblended_cost=10.00),
        tagged(
            "p",
            "CC-1",
            -2.50,
            line_item_line_item_type="EdpDiscount",
            line_item_net_unblended_cost=-2.50,
            line_item_unblended_cost=0.0,
        ),
        tagged("p", "CC-1", 1.50, line_item_line_item_type="Tax"),
    ]


def test_a_net_column_on_every_line_charges_net(tmp_path: Path, run_on: RunFn) -> None:
    write(tmp_path / "e" / "a.parquet", discounted_month())
    result = run_on(tmp_path / "e")
    assert summary(result) == {"CC-1": D("9.00")}  # 10.00 - 2.50 + 1.50
    assert (result.settings.cost_measure_applied, result.settings.cost_measure_note) == (
        "net_unblended",
        "",
    )


def test_no_net_column_charges_unblended_for_all_and_says_so(tmp_path: Path, run_on: RunFn) -> None:
    write(tmp_path / "e" / "a.parquet", discounted_month(), columns=NO_NET)
    result = run_on(tmp_path / "e")
    assert summary(result) == {"CC-1": D("11.50")}  # 10.00 + 0.00 + 1.50
    note = (
        "the export has no net unblended cost on the Bedrock lines of 2026-10 "
        "(line_item_net_unblended_cost is absent or empty): every line is charged at "
        "unblended cost, before discounts"
    )
    saved = json.loads(Path(result.outputs["run"]).read_text())
    assert saved["settings"]["cost_measure_applied"] == "unblended"
    assert saved["settings"]["cost_measure_note"] == note
    assert saved["rows"]["measure_fallback_to_unblended"] == 3


def test_a_net_column_empty_on_every_bedrock_line_is_no_net_column(
    tmp_path: Path, run_on: RunFn
) -> None:
    rows = [{**r, "line_item_net_unblended_cost": None} for r in discounted_month()]
    other = cur2_row(
        cost=99.0, line_item_product_code="AmazonEC2", product_product_family="Compute Instance"
    )
    write(tmp_path / "e" / "a.parquet", [*rows, other])
    result = run_on(tmp_path / "e")
    assert summary(result) == {"CC-1": D("11.50")}
    assert result.settings.cost_measure_applied == "unblended"


def test_a_net_cost_missing_on_some_bedrock_lines_is_refused(tmp_path: Path, run_on: RunFn) -> None:
    def build(root: Path) -> None:
        rows = discounted_month()
        rows[1]["line_item_net_unblended_cost"] = None  # the discount line: counted twice
        write(root / "a.parquet", rows)

    error = refused(tmp_path, run_on, build)
    assert str(error) == (
        f"{tmp_path}/bad/a.parquet: 1 of its 3 Bedrock line items have no net unblended cost "
        "(line_item_net_unblended_cost absent or NULL) while 2 Bedrock line items of 2026-10 "
        "have one; charging some lines net and others unblended miscounts their discounts: "
        "re-download the export, or run with --cost-measure unblended"
    )
    assert error.exit_code == ExitCode.INPUT


def test_a_file_without_the_net_column_beside_files_with_it_is_refused(
    tmp_path: Path, run_on: RunFn
) -> None:
    def build(root: Path) -> None:
        write(root / "a.parquet", discounted_month())
        write(root / "b.parquet", [tagged("q", "CC-2", 4.00)] * 2, columns=NO_NET)

    error = refused(tmp_path, run_on, build)
    assert str(error).startswith(
        f"{tmp_path}/bad/b.parquet: 2 of its 2 Bedrock line items have no net unblended cost "
        "(line_item_net_unblended_cost absent or NULL) while 3 Bedrock line items of 2026-10 "
        "have one;"
    )
    assert error.exit_code == ExitCode.INPUT


def test_the_unblended_measure_needs_no_net_cost(tmp_path: Path, run_on: RunFn) -> None:
    rows = discounted_month()
    rows[1]["line_item_net_unblended_cost"] = None
    write(tmp_path / "e" / "a.parquet", rows)
    result = run_on(tmp_path / "e", cost_measure="unblended")
    assert summary(result) == {"CC-1": D("11.50")}


def test_the_cli_prints_the_net_cost_note_on_stderr(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", discounted_month(), columns=NO_NET)
    args = ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "note: the export has no net unblended cost on the Bedrock lines of 2026-10 "
        "(line_item_net_unblended_cost is absent or empty): every line is charged at "
        "unblended cost, before discounts\n"
    )


# -- Marketplace-billed Bedrock models ---------------------------------------------------------


def marketplace(cost: float, code: str, name: str | None, kind: str = "Usage", **kw: Any) -> Any:
    product = {"product_name": name} if name is not None else {}
    return cur2_row(
        cost=cost,
        bill_billing_entity="AWS Marketplace",
        line_item_product_code=code,
        line_item_line_item_type=kind,
        line_item_usage_type="USE1-MP:USE1_InputTokenCount-Units",
        product_product_family=None,
        product=product,
        **kw,
    )


def marketplace_month() -> list[dict[str, Any]]:
    return [
        cur2_row(cost=1.00),  # first-party Bedrock
        marketplace(10.00, "mp-claude", "Claude Sonnet 4.6 (Amazon Bedrock Edition)"),
        marketplace(0.80, "mp-claude", None, "Tax"),
        marketplace(-1.00, "mp-claude", "", "Credit"),
        marketplace(3.00, "mp-llama", "Llama Foo (Bedrock Edition)"),
        marketplace(50.00, "mp-saas", "Some SaaS"),  # not Bedrock, nor its tax
        marketplace(4.00, "mp-saas", None, "Tax"),
        marketplace(7.00, "", None, "Tax"),  # no product code: nothing to tie it to
        # named for Bedrock only in September: its October tax line is not Bedrock
        marketplace(20.00, "mp-old", "Old Model (Amazon Bedrock Edition)", period="2026-09"),
        marketplace(2.00, "mp-old", None, "Tax"),
    ]


def test_marketplace_lines_by_name_and_by_product_code(tmp_path: Path) -> None:
    result = run_rows(tmp_path, marketplace_month())
    assert summary(result) == {"UNATTRIBUTED": D("13.80")}  # 1 + 10 + 0.80 - 1 + 3
    selected = result.rows.bedrock_selected_by
    assert (
        selected.product_family_or_code,
        selected.marketplace_product_name,
        selected.marketplace_product_code,
    ) == (1, 2, 2)
    assert result.rows.bedrock == 5
    saved = json.loads(Path(result.outputs["run"]).read_text())
    assert saved["rows"]["bedrock_selected_by"] == {
        "product_family_or_code": 1,
        "marketplace_product_name": 2,
        "marketplace_product_code": 2,
    }
    got = by(lines(result), "model", "line_item_type")
    assert got == {
        ("NovaPro", "Usage"): D("1.00"),
        ("Claude Sonnet 4.6", "Usage"): D("10.00"),
        ("", "Tax"): D("0.80"),
        ("", "Credit"): D("-1.00"),
        ("Llama Foo", "Usage"): D("3.00"),
    }


def test_periods_selects_the_same_marketplace_lines(tmp_path: Path) -> None:
    root = write(tmp_path / "e" / "a.parquet", marketplace_month()).parent
    found = {r.period: (r.bedrock_rows, r.bedrock_net) for r in periods(str(root))}
    assert found == {"2026-09": (1, D("20.00")), "2026-10": (5, D("13.80"))}


def test_a_bad_amount_on_a_marketplace_tax_line_is_named_only_when_it_is_bedrock(
    tmp_path: Path, run_on: RunFn
) -> None:
    named = marketplace(10.00, "mp-claude", "Claude (Amazon Bedrock Edition)")
    saas_tax = marketplace(float("nan"), "mp-saas", None, "Tax", identity_line_item_id="li-s")
    write(tmp_path / "ok" / "a.parquet", [named, saas_tax])
    assert summary(run_on(tmp_path / "ok")) == {"UNATTRIBUTED": D("10.00")}
    tax = marketplace(float("nan"), "mp-claude", None, "Tax", identity_line_item_id="li-t")
    write(tmp_path / "bad" / "a.parquet", [named, saas_tax, tax])
    with pytest.raises(InputError) as info:
        run_on(tmp_path / "bad", out=tmp_path / "out2")
    assert str(info.value) == (
        f"{tmp_path}/bad/a.parquet: Bedrock line item li-t has cost nan; a chargeback cannot "
        "guess it: fix or re-download the export"
    )
