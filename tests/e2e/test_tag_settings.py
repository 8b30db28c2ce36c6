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

import openpyxl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from chargeback.errors import ChargebackError, ConfigError, ExitCode, InputError
from chargeback.frontends import aws_lambda
from chargeback.frontends.cli import app
from chargeback.settings.resolve import resolve_run_config
from chargeback.settings.rules import AllocationRules, Rule
from chargeback.survey import periods
from tests.support.builders import CUR2_TYPES, cur2_row, tagged, write
from tests.support.delivery import BUCKET, manifest_key, s3_event
from tests.support.runs import RunFn, by, lines, run_rows, summary
from tests.support.s3server import S3

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
    assert published(out) == before  # nothing added, nothing changed, no staging left
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
    assert own_lines(result.stderr) == (
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
        ("Amazon Nova Pro", "Usage"): D("1.00"),
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


# -- a cost-center tag or a table that matches nothing -------------------------------------------


def keyed_month() -> list[dict[str, Any]]:
    """10.00 of Bedrock spend: CostCenter on 8.00, Team on 6.00, an account tag Owner on 2.00."""
    both = {"user_cost_center": "CC-1", "user_team": "search"}
    return [
        {**tagged("a", "CC-1", 6.00), "resource_tags": both},
        tagged("b", "CC-2", 2.00),
        {**tagged("c", None, 2.00), "tags": {"accountTag/Owner": "ana", "accountTag/Empty": " "}},
    ]


KEYS_CARRIED = (
    "keys the lines carry, with their share of Bedrock spend: user_cost_center 80.00%, "
    "user_team 60.00%, accountTag/Owner 20.00%: set --cost-center-tag (cost_center_tag in "
    "chargeback.toml) to the key as written in AWS; keys are matched exactly, case included"
)


def tag_warning(key: str, closest: str | None = "user_cost_center") -> str:
    hint = f"closest key: {closest}; " if closest else ""
    return (
        f"the cost-center tag '{key}' matches no tag key of the 3 Bedrock line items of 2026-10 "
        f"(resource_tag, principal_tag, account_tag found nothing); {hint}{KEYS_CARRIED}"
    )


@pytest.mark.parametrize(
    ("key", "closest"),
    [("costcenter", "user_cost_center"), ("CostCentre", "user_cost_center"), ("Dept", None)],
)
def test_a_cost_center_tag_that_matches_nothing_is_reported(
    tmp_path: Path, run_on: RunFn, key: str, closest: str | None
) -> None:
    write(tmp_path / "e" / "a.parquet", keyed_month())
    result = run_on(tmp_path / "e", cost_center_tag=key)
    assert summary(result) == {"UNATTRIBUTED": D("10.00")}
    assert result.warnings == (tag_warning(key, closest),)
    saved = json.loads(Path(result.outputs["run"]).read_text())
    (unmatched,) = saved["unmatched"]
    assert unmatched["setting"] == "cost_center_tag"
    assert unmatched["value"] == key
    assert unmatched["message"] == tag_warning(key, closest)
    assert [
        (k["key"], k["amount"], k["share_pct"], k["line_items"]) for k in unmatched["tag_keys"]
    ] == [
        ("user_cost_center", "8.00", "80.00", 2),
        ("user_team", "6.00", "60.00", 1),
        ("accountTag/Owner", "2.00", "20.00", 1),
    ]
    assert saved["attribution"]["rule_matches"]["resource_tag"] == 0


def test_the_key_asked_for_in_aws_form_matches_and_warns_nothing(
    tmp_path: Path, run_on: RunFn
) -> None:
    write(tmp_path / "e" / "a.parquet", keyed_month())
    for key in ("CostCenter", "resourceTags/CostCenter"):
        result = run_on(tmp_path / "e", cost_center_tag=key, out=tmp_path / key.replace("/", "_"))
        assert summary(result) == {"CC-1": D("6.00"), "CC-2": D("2.00"), "UNATTRIBUTED": D("2.00")}
        assert result.warnings == ()
        assert json.loads(Path(result.outputs["run"]).read_text())["unmatched"] == []


def test_lines_without_any_tag(tmp_path: Path, run_on: RunFn) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("a", None, 1.00), cur2_row(cost=0.25)])
    (warning,) = run_on(tmp_path / "e").warnings
    assert warning == (
        "the cost-center tag 'CostCenter' matches no tag key of the 2 Bedrock line items of "
        "2026-10 (resource_tag, principal_tag, account_tag found nothing); the lines carry no "
        "tags at all: activate the tag as a cost allocation tag in the Billing console, or "
        "attribute the lines with a mapping table"
    )


def test_no_warning_when_no_tag_rule_is_in_the_order_or_no_bedrock_line(
    tmp_path: Path, run_on: RunFn
) -> None:
    write(tmp_path / "e" / "a.parquet", keyed_month())
    rules = AllocationRules(order=(Rule.ACCOUNT_MAP,))
    assert run_on(tmp_path / "e", cost_center_tag="Nope", rules=rules).warnings == ()
    ec2 = cur2_row(cost=3.0, line_item_product_code="AmazonEC2", product_product_family="EC2")
    write(tmp_path / "n" / "a.parquet", [ec2])
    assert run_on(tmp_path / "n", cost_center_tag="Nope", out=tmp_path / "o2").warnings == ()


def test_a_mapping_table_that_matches_nothing_is_reported(tmp_path: Path) -> None:
    rows = [tagged("a", "CC-1", 1.00), tagged("b", None, 2.00)]
    table = tmp_path / "resources.csv"
    rules = AllocationRules(
        resource_map={"proj_typo": "CC-9", "arn:aws:bedrock:x": "CC-9"},
        files={"resource_map": str(table)},
    )
    result = run_rows(tmp_path, rows, rules)
    assert result.warnings == (
        f"the resource_map table {table} (2 rows) matches none of the 2 Bedrock line items of "
        "2026-10: its keys must be project ids (proj_abc123) or resource ARNs; compare them "
        "with the workbook's Unattributed worklist",
    )
    assert result.unmatched[0].setting == "attribution.resource_map"


def test_the_cli_warns_on_stderr_and_the_workbook_shows_it(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", keyed_month())
    args = ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--cost-center-tag", "costcenter"])
    assert result.exit_code == 0, result.output
    assert own_lines(result.stderr) == f"warning: {tag_warning('costcenter')}\n"
    book = openpyxl.load_workbook(tmp_path / "out" / "2026-10" / "chargeback-2026-10.xlsx")
    sheet = book["Tag coverage"]
    rows = [[c for c in r if c is not None] for r in sheet.iter_rows(values_only=True)]
    assert ["Warning", tag_warning("costcenter")] in rows
    start = rows.index(["Tag key", "Currency", "Bedrock spend", "Share %", "Line items"])
    assert rows[start + 1 : start + 4] == [
        ["user_cost_center", "USD", 8.0, 80.0, 2],
        ["user_team", "USD", 6.0, 60.0, 1],
        ["accountTag/Owner", "USD", 2.0, 20.0, 1],
    ]


def test_coverage_shows_the_warning_and_never_stops_on_it(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", keyed_month())
    args = ["coverage", str(tmp_path / "e"), "--period", "2026-10"]
    env = {"CHARGEBACK_STRICT": "true", "CHARGEBACK_COST_CENTER_TAG": "costcenter"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert own_lines(result.stderr) == f"warning: {tag_warning('costcenter')}\n"
    assert "unattributed: untagged" in result.stdout


# -- strict: a setting that matches nothing stops the run ----------------------------------------

STRICT_SUFFIX = " (--strict: nothing was published)"


def test_strict_stops_the_run_and_keeps_the_published_month(tmp_path: Path, run_on: RunFn) -> None:
    def build(root: Path) -> None:
        write(root / "a.parquet", keyed_month())

    error = refused(tmp_path, run_on, build, cost_center_tag="costcenter", strict=True)
    assert str(error) == tag_warning("costcenter") + STRICT_SUFFIX
    assert error.exit_code == ExitCode.CONFIG


def test_strict_from_the_option_the_environment_and_the_file(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", keyed_month())
    out = tmp_path / "out"
    base = ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(out)]
    base += ["--cost-center-tag", "costcenter"]
    config = tmp_path / "chargeback.toml"
    config.write_text("strict = true\n")
    for extra, env in (
        (["--strict"], {}),
        ([], {"CHARGEBACK_STRICT": "1"}),
        (["--config", str(config)], {}),
    ):
        result = CliRunner().invoke(app, [*base, *extra], env=env)
        assert result.exit_code == ExitCode.CONFIG, (extra, env, result.output)
        assert own_lines(result.stderr) == f"error: {tag_warning('costcenter')}{STRICT_SUFFIX}\n"
        assert result.stdout == ""
        assert not out.exists()
    relaxed = CliRunner().invoke(
        app, [*base, "--config", str(config)], env={"CHARGEBACK_STRICT": "0"}
    )
    assert relaxed.exit_code == 0, relaxed.output


def test_strict_with_a_table_that_matches_nothing(tmp_path: Path) -> None:
    rules = AllocationRules(account_map={"000000000000": "CC-9"}, files={"account_map": "a.csv"})
    with pytest.raises(ChargebackError) as info:
        run_rows(tmp_path, [tagged("a", "CC-1", 1.00)], rules, strict=True)
    assert str(info.value) == (
        "the account_map table a.csv (1 rows) matches none of the 1 Bedrock line items of "
        "2026-10: its keys must be 12-digit usage account ids; compare them with the "
        "workbook's Unattributed worklist" + STRICT_SUFFIX
    )
    assert not (tmp_path / "out").exists()


def test_bad_strict_values_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_run_config("s", "2026-10", environ={"CHARGEBACK_STRICT": "maybe"}, cwd=tmp_path)
    assert str(info.value) == "CHARGEBACK_STRICT='maybe': use true or false (1 or 0)"
    config = tmp_path / "chargeback.toml"
    config.write_text('strict = "yes"\n')
    with pytest.raises(ConfigError) as info:
        resolve_run_config("s", "2026-10", environ={}, cwd=tmp_path)
    assert str(info.value) == f"{config}: strict = 'yes' must be true or false"


def test_the_lambda_log_line_carries_the_warning(
    delivered: dict[str, Path],
    s3: S3,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHARGEBACK_COST_CENTER_TAG", "Cost-Centre")
    result = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert result["runs"][0]["status"] == "published"
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    # the delivery: 17.75 of its 19.50 carries CostCenter (ML-101 12.45, FIN-7 5.30)
    assert line["warnings"] == [
        "the cost-center tag 'Cost-Centre' matches no tag key of the 6 Bedrock line items of "
        "2026-10 (resource_tag, principal_tag, account_tag found nothing); closest key: "
        "user_cost_center; keys the lines carry, with their share of Bedrock spend: "
        "user_cost_center 91.03%: set --cost-center-tag (cost_center_tag in chargeback.toml) "
        "to the key as written in AWS; keys are matched exactly, case included"
    ]
    assert line["totals"][0]["unattributed"] == "19.50"

    monkeypatch.setenv("CHARGEBACK_STRICT", "true")
    failed = aws_lambda.handler(s3_event(BUCKET, manifest_key("cur")), None)
    assert failed["status"] == "failed"
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["error_type"] == "ConfigError"
    assert line["error"].endswith("(--strict: nothing was published)")


def test_config_check_shows_strict_and_accepts_account_tag(tmp_path: Path) -> None:
    config = tmp_path / "chargeback.toml"
    config.write_text(
        'strict = true\n[attribution]\norder = ["resource_tag", "account_tag", "account_map"]\n'
    )
    result = CliRunner().invoke(app, ["config", "check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "strict = true" in result.stdout.splitlines()
    assert "attribution order: resource_tag, account_tag, account_map" in result.stdout


# -- tag columns written by other tools: read per file, or refused -------------------------------

JSON_TAGS = {**CUR2_TYPES, "resource_tags": pa.string()}
INT_MAP = pa.map_(pa.string(), pa.int64())


def json_row(cost: float, tags: Any, project: str = "j") -> dict[str, Any]:
    """An untagged project's line whose ``resource_tags`` hold ``tags`` as written."""
    return {**tagged(project, None, cost), "resource_tags": tags}


def test_json_text_tags_sorting_first_keep_the_map_files_tags(
    tmp_path: Path, run_on: RunFn
) -> None:
    root = tmp_path / "e"
    write(
        root / "a-rewritten.parquet",
        [
            json_row(1.25, '{"user_cost_center": "CC-J", "user_team": "t"}'),
            json_row(0.50, '{"user_cost_center": 1001}'),
            json_row(0.25, "  "),
            json_row(0.10, None),
            json_row(0.05, "{}"),
        ],
        types=JSON_TAGS,
    )
    write(root / "b-export.parquet", [tagged("m", "CC-M", 2.00), tagged("m", "CC-J", 0.40)])
    result = run_on(root)
    assert summary(result) == {
        "1001": D("0.50"),
        "CC-J": D("1.65"),
        "CC-M": D("2.00"),
        "UNATTRIBUTED": D("0.40"),
    }


def test_struct_tags_and_integer_map_values(tmp_path: Path, run_on: RunFn) -> None:
    root = tmp_path / "e"
    struct = pa.struct([("user_cost_center", pa.string()), ("user_team", pa.int32())])
    write(
        root / "a.parquet",
        [
            json_row(3.00, {"user_cost_center": "CC-S", "user_team": 7}),
            json_row(0.30, {"user_cost_center": None, "user_team": None}),
            json_row(0.03, None),
        ],
        types={**CUR2_TYPES, "resource_tags": struct},
    )
    write(
        root / "b.parquet",
        [json_row(4.00, [("user_cost_center", 2002)])],
        types={**CUR2_TYPES, "resource_tags": INT_MAP},
    )
    write(root / "c.parquet", [tagged("m", "CC-M", 1.00)])
    result = run_on(root)
    assert summary(result) == {
        "2002": D("4.00"),
        "CC-M": D("1.00"),
        "CC-S": D("3.00"),
        "UNATTRIBUTED": D("0.33"),
    }
    assert by(lines(result), "cost_center", "team")[("CC-S", "7")] == D("3.00")


def test_a_legacy_file_beside_a_cur2_file_keeps_its_tag_columns(
    tmp_path: Path, run_on: RunFn
) -> None:
    root = tmp_path / "e"
    legacy_types = {**CUR2_TYPES, "resource_tags_user_cost_center": pa.string()}
    legacy_columns = [c for c in legacy_types if c not in ("resource_tags", "tags", "product")]
    write(
        root / "a-legacy.parquet",
        [{**cur2_row(cost=1.50), "resource_tags_user_cost_center": "CC-L"}],
        types=legacy_types,
        columns=legacy_columns,
    )
    write(root / "b-cur2.parquet", [tagged("m", "CC-M", 2.25)])
    result = run_on(root)
    assert summary(result) == {"CC-L": D("1.50"), "CC-M": D("2.25")}
    assert result.source.schema == "cur2"


def bad_shape(column_type: pa.DataType, value: Any) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        write(root / "a.parquet", [tagged("m", "CC-M", 1.00)])
        write(
            root / "b.parquet",
            [json_row(1.00, value)],
            types={**CUR2_TYPES, "resource_tags": column_type},
        )

    return build


@pytest.mark.parametrize(
    ("column_type", "value", "shown_type"),
    [
        (pa.list_(pa.string()), ["CC-1"], "list<string>"),
        (pa.map_(pa.string(), pa.float64()), [("user_cost_center", 1.5)], "map<string, double>"),
        (pa.map_(pa.int64(), pa.string()), [(1, "CC-1")], "map<int64, string>"),
        (
            pa.struct([("user_cost_center", pa.float64())]),
            {"user_cost_center": 1.0},
            "struct<user_cost_center: double>",
        ),
        (pa.int64(), 1001, "int64"),
    ],
)
def test_tag_columns_that_cannot_be_read_faithfully_are_refused(
    tmp_path: Path, run_on: RunFn, column_type: pa.DataType, value: Any, shown_type: str
) -> None:
    error = refused(tmp_path, run_on, bad_shape(column_type, value))
    if shown_type.startswith("map<int64"):  # keys that are not text: read/columns.py says so first
        assert str(error) == (
            f"{tmp_path}/bad/b.parquet: column resource_tags is {shown_type}: its keys must be "
            "text (tag keys, product fields) to be looked up; was the file rewritten by another "
            "tool?"
        )
        return
    assert str(error) == (
        f"{tmp_path}/bad/b.parquet: column resource_tags is {shown_type}, which cannot be read "
        "as tag keys and values (a map of text keys to text or whole-number values, a struct "
        "of such fields, or JSON text): export the file again from Data Exports, or rewrite "
        "the column as MAP<string, string>"
    )
    assert error.exit_code == ExitCode.INPUT


@pytest.mark.parametrize(
    "texts",
    [
        ["CC-1", '{"user_cost_center": "CC-1"}'],
        ['{"user_cost_center": 1.5}'],
        ['{"user_cost_center": {"x": "y"}}'],
        ['["CC-1"]'],
        ['{"user_cost_center": true}'],
        ['{"a": "1", "a": "2"}'],
    ],
)
def test_json_text_that_is_not_an_object_of_tag_values_is_refused(
    tmp_path: Path, run_on: RunFn, texts: list[str]
) -> None:
    def build(root: Path) -> None:
        write(root / "a.parquet", [tagged("m", "CC-M", 1.00)])
        write(root / "b.parquet", [json_row(1.00, t) for t in texts], types=JSON_TAGS)

    error = refused(tmp_path, run_on, build)
    assert str(error) == (
        f"{tmp_path}/bad/b.parquet: column resource_tags is text, and 1 of its values are not "
        "a JSON object of text or whole-number values: export the file again from Data "
        "Exports, or rewrite the column as MAP<string, string>"
    )
    assert error.exit_code == ExitCode.INPUT


def test_the_tags_map_as_json_text_alone(tmp_path: Path, run_on: RunFn) -> None:
    row = {**tagged("p", None, 2.00), "tags": '{"accountTag/CostCenter": "CC-A"}'}
    write(tmp_path / "e" / "a.parquet", [row], types={**CUR2_TYPES, "tags": pa.string()})
    assert summary(run_on(tmp_path / "e")) == {"CC-A": D("2.00")}


def test_mixed_tag_shapes_read_from_s3(s3: S3, tmp_path: Path, run_on: RunFn) -> None:
    s3.client.create_bucket(Bucket="exports-mixed")
    folder = tmp_path / "export"
    write(folder / "a.parquet", [json_row(1.10, '{"user_cost_center": "CC-J"}')], types=JSON_TAGS)
    write(folder / "b.parquet", [tagged("m", "CC-M", 2.20), tagged("n", None, 0.30)])
    s3.upload_tree(folder, "exports-mixed", "cur/exp")
    result = run_on("s3://exports-mixed/cur/exp")
    assert summary(result) == {"CC-J": D("1.10"), "CC-M": D("2.20"), "UNATTRIBUTED": D("0.30")}
    assert [f.bedrock_rows for f in result.files] == [1, 2]


def test_a_legacy_export_names_its_tag_columns_when_the_key_matches_none(
    tmp_path: Path, run_on: RunFn
) -> None:
    legacy_types = {
        **CUR2_TYPES,
        "resource_tags_user_cost_center": pa.string(),
        "resource_tags_user_team": pa.string(),
    }
    columns = [c for c in legacy_types if c not in ("resource_tags", "tags", "product")]
    row = {**cur2_row(cost=1.00), "resource_tags_user_cost_center": "CC-L"}
    write(tmp_path / "e" / "a.parquet", [row], types=legacy_types, columns=columns)
    (warning,) = run_on(tmp_path / "e", cost_center_tag="CostCentre").warnings
    assert warning == (
        "the cost-center tag 'CostCentre' matches no tag key of the 1 Bedrock line items of "
        "2026-10 (resource_tag, principal_tag, account_tag found nothing); the export's tag "
        "columns: resource_tags_user_cost_center, resource_tags_user_team: set "
        "--cost-center-tag (cost_center_tag in chargeback.toml) to the key as written in AWS, "
        "e.g. CostCenter for resource_tags_user_cost_center"
    )


def own_lines(stderr: str) -> str:
    """stderr less the note on the report templates' example values (company, accounts),
    which every run without those settings prints."""
    kept = [ln for ln in stderr.splitlines(keepends=True) if not ln.startswith(PLACEHOLDER)]
    return "".join(kept)


PLACEHOLDER = "note: the statements use the report templates' example values"
