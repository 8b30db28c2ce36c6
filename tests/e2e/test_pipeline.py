"""End to end over small exports built in the test: amounts checked to the cent against
sums computed here, from the rows the test wrote, not read back from the tool."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from chargeback.allocate.money import round_money
from chargeback.read.tagkeys import cur_tag_key
from tests.support.builders import CUR2_TYPES, PROJECT, cur2_row, tagged, write
from tests.support.runs import RunFn, read_csv, summary_amounts

MARKETPLACE: dict[str, Any] = {
    "bill_billing_entity": "AWS Marketplace",
    "line_item_product_code": "c2x9z8kq1w3e4r5t6y7u8i9o0",
    "product_product_family": None,
    "product": {"product_name": "Claude Sonnet 4.6 (Amazon Bedrock Edition)"},
    "line_item_usage_type": "USE1-MP:USE1_InputTokenCount-Units",
    "pricing_unit": "Units",
}


def month_rows() -> list[dict[str, Any]]:
    """A month with every kind of Bedrock line, plus lines that must not count."""
    return [
        tagged(
            "proj_chat",
            "CC-1001",
            10.0051234567,
            product={"model": "Claude Sonnet 4.6", "provider": "Anthropic"},
            line_item_usage_type="USE1-Claude4.6Sonnet-input-tokens",
        ),
        tagged(
            "proj_chat",
            "CC-1001",
            2.5,
            line_item_net_unblended_cost=2.375,
            line_item_usage_type="USE1-Claude4.6Sonnet-cache-read-input-token-count",
        ),
        tagged(
            "proj_chat",
            "CC-1001",
            1.25,
            line_item_usage_type="USE1-Claude4.6Sonnet-cache-write-input-token-count",
        ),
        tagged(
            "proj_exp", " CC-2002 ", 3.3333333333, line_item_usage_type="USE1-NovaPro-output-tokens"
        ),
        tagged("proj_exp", "CC-2002", 0.0049999999),
        tagged("default", None, 4.4444444444),
        tagged("default", "", 1.0),  # empty tag value means no tag
        cur2_row(cost=5.0, line_item_resource_id="arn:aws:bedrock:us-east-1:1:custom-model/x"),
        cur2_row(
            cost=7.77,
            line_item_resource_id=(
                "arn:aws:bedrock:us-east-1:444455556666:application-inference-profile/a1b2c3"
            ),
            resource_tags={"user_cost_center": "CC-3003"},
            line_item_product_code="AmazonBedrockService",
            product_product_family=None,
        ),
        cur2_row(
            cost=6.0,
            **{
                **MARKETPLACE,
                "line_item_resource_id": PROJECT + "proj_chat",
                "resource_tags": {"user_cost_center": "CC-1001"},
            },
        ),
        cur2_row(cost=2.0, **{**MARKETPLACE, "line_item_resource_id": PROJECT + "default"}),
        cur2_row(cost=-3.0, line_item_line_item_type="Credit"),
        cur2_row(cost=1.23, line_item_line_item_type="Tax", line_item_usage_type=""),
        cur2_row(
            cost=0.4,
            line_item_line_item_type="Tax",
            **{k: v for k, v in MARKETPLACE.items() if k != "line_item_usage_type"},
        ),
        cur2_row(
            cost=0.5,
            line_item_product_code="AmazonBedrockAgentCore",
            product_product_family=None,
            line_item_resource_id=PROJECT + "proj_exp",
            tags={"resourceTags/CostCenter": "CC-2002"},
        ),
        # not Bedrock: must never reach a statement, even tagged
        tagged(
            "i-123",
            "CC-1001",
            100.0,
            line_item_product_code="AmazonEC2",
            product_product_family="Compute Instance",
        ),
        cur2_row(cost=50.0, line_item_product_code="AmazonS3", product_product_family="Storage"),
        cur2_row(
            cost=9.0,
            bill_billing_entity="AWS Marketplace",
            line_item_product_code="zzz",
            product={"product_name": "Some SaaS"},
            product_product_family=None,
        ),
    ]


def net(row: dict[str, Any]) -> Decimal:
    return Decimal(repr(row["line_item_net_unblended_cost"]))


def is_bedrock(row: dict[str, Any]) -> bool:
    codes = {
        "AmazonBedrock",
        "AmazonBedrockService",
        "AmazonBedrockFoundationModels",
        "AmazonBedrockAgentCore",
    }
    name = (row.get("product") or {}).get("product_name", "")
    return (
        row.get("product_product_family") == "Amazon Bedrock"
        or row["line_item_product_code"] in codes
        or (row["bill_billing_entity"] == "AWS Marketplace" and "Amazon Bedrock" in name)
    )


def expected_by_center(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Exact net cost per cost center, computed from the rows the test wrote."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if not is_bedrock(row) or row["bill_billing_period_start_date"].month != 10:
            continue
        tag = ((row.get("resource_tags") or {}).get("user_cost_center") or "").strip()
        tag = tag or ((row.get("tags") or {}).get("resourceTags/CostCenter") or "").strip()
        out[tag or "UNATTRIBUTED"] += net(row)
    return out


def check_to_the_cent(got: dict[str, str], exact: dict[str, Decimal]) -> None:
    assert set(got) == set(exact)
    for name, amount in exact.items():
        assert abs(Decimal(got[name]) - amount) < Decimal("0.01"), name
    assert sum(Decimal(v) for v in got.values()) == round_money(sum(exact.values(), Decimal(0)))


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    write(root / "data" / "BILLING_PERIOD=2026-10" / "exp-00001.snappy.parquet", month_rows())
    return root


def test_cost_centers_and_unattributed_to_the_cent(export: Path, run_on: RunFn) -> None:
    result = run_on(export)
    got = summary_amounts(result)
    exact = expected_by_center(month_rows())
    check_to_the_cent(got, exact)
    # figures worked out by hand from month_rows()
    assert got == {
        "CC-1001": "19.63",
        "CC-2002": "3.84",
        "CC-3003": "7.77",
        "UNATTRIBUTED": "11.07",
    }


def test_unattributed_reasons(export: Path, run_on: RunFn) -> None:
    lines = read_csv(Path(run_on(export).outputs["lines"]))
    by_reason: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line["cost_center"] == "UNATTRIBUTED":
            by_reason[line["unattributed_reason"]] += Decimal(line["amount"])
        else:
            assert line["unattributed_reason"] == ""
    assert by_reason == {
        "default_project": Decimal("7.44"),  # 4.4444444444 + 1.0 + 2.0 (Marketplace)
        "untagged": Decimal("5.00"),
        "no_resource": Decimal("-1.37"),  # credit -3.0, tax 1.23 and 0.4
    }


def test_lines_name_projects_models_and_usage_kinds(export: Path, run_on: RunFn) -> None:
    lines = read_csv(Path(run_on(export).outputs["lines"]))
    chat = [ln for ln in lines if ln["project_id"] == "proj_chat"]
    # one name for first-party and Marketplace lines, however the export spells it (issue 15)
    assert {ln["model"] for ln in chat} == {"Claude Sonnet 4.6"}
    kinds = {ln["usage_type"]: ln["usage_kind"] for ln in chat}
    assert kinds["USE1-Claude4.6Sonnet-cache-read-input-token-count"] == "cache_read"
    assert kinds["USE1-Claude4.6Sonnet-cache-write-input-token-count"] == "cache_write"
    assert kinds["USE1-MP:USE1_InputTokenCount-Units"] == "input"
    marketplace_default = [
        ln for ln in lines if ln["project_id"] == "default" and ln["pricing_unit"] == "Units"
    ]
    assert [ln["model"] for ln in marketplace_default] == ["Claude Sonnet 4.6"]
    profile = [ln for ln in lines if ln["cost_center"] == "CC-3003"]
    assert [ln["project_id"] for ln in profile] == ["a1b2c3"]
    assert sorted(ln["line_item_type"] for ln in lines) == sorted(
        ["Usage"] * (len(lines) - 3) + ["Credit", "Tax", "Tax"]
    )


def test_lines_add_up_to_their_cost_center(export: Path, run_on: RunFn) -> None:
    result = run_on(export)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in read_csv(Path(result.outputs["lines"])):
        sums[line["cost_center"]] += Decimal(line["amount"])
    assert {k: str(v) for k, v in sums.items()} == summary_amounts(result)


def test_unblended_measure(export: Path, run_on: RunFn) -> None:
    got = summary_amounts(run_on(export, cost_measure="unblended"))
    assert got["CC-1001"] == "19.76"  # the cache-read line without its 0.125 discount


def test_net_unblended_falls_back_to_unblended_without_the_column(
    tmp_path: Path, run_on: RunFn
) -> None:
    rows = month_rows()
    columns = [c for c in CUR2_TYPES if c != "line_item_net_unblended_cost"]
    write(tmp_path / "e" / "a.parquet", rows, columns=columns)
    result = run_on(tmp_path / "e")
    assert summary_amounts(result)["CC-1001"] == "19.76"
    assert result.settings.net_unblended_column is False


def test_schema_drift_and_a_second_period_in_one_folder(tmp_path: Path, run_on: RunFn) -> None:
    rows = month_rows()
    root = tmp_path / "drift"
    # file 1: an older file without the tags map and IAM principal columns
    old_cols = [c for c in CUR2_TYPES if c not in ("tags", "line_item_iam_principal")]
    write(root / "f1.parquet", rows[:8], columns=old_cols)
    # file 2: the newer columns, in another order, and rows of September in the same folder
    september = [cur2_row(period="2026-09", cost=99.0), tagged("proj_chat", "CC-1001", 11.0)]
    september[1]["bill_billing_period_start_date"] = september[0]["bill_billing_period_start_date"]
    new_cols = list(reversed(CUR2_TYPES))
    write(root / "nested" / "f2.parquet", rows[8:] + september, columns=new_cols)
    assert "tags" not in pq.read_schema(root / "f1.parquet").names

    result = run_on(root)
    check_to_the_cent(summary_amounts(result), expected_by_center(rows))
    sept = summary_amounts(run_on(root, period="2026-09", out=tmp_path / "o2"))
    assert sept == {"CC-1001": "11.00", "UNATTRIBUTED": "99.00"}
    files = {Path(f["uri"]).name: f for f in result.to_json()["files"]}
    assert files["f2.parquet"]["rows"] == len(rows) - 8 + 2
    assert files["f2.parquet"]["period_rows"] == len(rows) - 8


def legacy_rows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The same rows as legacy CUR: one column per tag, product map flattened."""
    import pyarrow as pa

    types: dict[str, Any] = {
        k: v for k, v in CUR2_TYPES.items() if k not in ("product", "resource_tags", "tags")
    }
    out = []
    for row in rows:
        flat = {k: v for k, v in row.items() if k in types}
        for key, value in (row.get("resource_tags") or {}).items():
            flat[f"resource_tags_{key}"] = value
            types[f"resource_tags_{key}"] = pa.string()
        for key, value in (row.get("product") or {}).items():
            flat[f"product_{key}"] = value
            types[f"product_{key}"] = pa.string()
        out.append(flat)
    return out, types


def test_legacy_cur(tmp_path: Path, run_on: RunFn) -> None:
    rows = [r for r in month_rows() if "tags" not in r]  # legacy CUR has no tags map
    flat, types = legacy_rows(rows)
    write(
        tmp_path / "legacy" / "year=2026" / "month=10" / "cur-1.snappy.parquet", flat, types=types
    )
    result = run_on(tmp_path / "legacy")
    assert result.source.schema == "legacy_cur"
    check_to_the_cent(summary_amounts(result), expected_by_center(rows))
    lines = read_csv(Path(result.outputs["lines"]))
    assert "Claude Sonnet 4.6" in {ln["model"] for ln in lines}


def test_custom_cost_center_tag(tmp_path: Path, run_on: RunFn) -> None:
    key = cur_tag_key("BillingCode")
    rows = [
        cur2_row(cost=2.0, line_item_resource_id=PROJECT + "p", resource_tags={key: "BC-7"}),
        tagged("q", "CC-1001", 3.0),
    ]
    write(tmp_path / "e" / "a.parquet", rows)
    got = summary_amounts(run_on(tmp_path / "e", cost_center_tag="BillingCode"))
    assert got == {"BC-7": "2.00", "UNATTRIBUTED": "3.00"}


def test_statement_tags_become_columns(tmp_path: Path, run_on: RunFn) -> None:
    tags = {
        "user_cost_center": "CC-1",
        "user_application": "Chat",
        "user_environment": "Prod",
        "user_team": "CX",
        "user_owner": "alice",
    }
    write(
        tmp_path / "e" / "a.parquet",
        [cur2_row(cost=1.0, line_item_resource_id=PROJECT + "p", resource_tags=tags)],
    )
    (line,) = read_csv(Path(run_on(tmp_path / "e").outputs["lines"]))
    assert (line["application"], line["environment"], line["team"], line["owner"]) == (
        "Chat",
        "Prod",
        "CX",
        "alice",
    )
    summary = read_csv(Path(run_on(tmp_path / "e", out=tmp_path / "o").outputs["summary"]))
    assert summary[0]["owner"] == "alice"


def test_run_json_and_idempotent_outputs(export: Path, run_on: RunFn, tmp_path: Path) -> None:
    first = run_on(export, out=tmp_path / "a")
    second = run_on(export, out=tmp_path / "b")
    for key in ("summary", "lines"):
        assert Path(first.outputs[key]).read_bytes() == Path(second.outputs[key]).read_bytes()
    info = json.loads(Path(first.outputs["run"]).read_text())
    assert info["billing_period"] == "2026-10"
    assert info["rows"] == {
        "input": 18,
        "period": 18,
        "bedrock": 15,
        "measure_fallback_to_unblended": 0,
        "bedrock_selected_by": {
            "product_family_or_code": 12,
            "marketplace_product_name": 3,
            "marketplace_product_code": 0,
        },
    }
    (usd,) = info["totals"]
    assert usd["export_bedrock_total"] == "42.31"
    assert Decimal(usd["attributed"]) + Decimal(usd["unattributed"]) == Decimal("42.31")
    assert sorted(p.name for p in Path(first.output_dir).iterdir()) == [
        "chargeback-2026-10-lines.csv",
        "chargeback-2026-10-summary.csv",
        "chargeback-2026-10-unit-economics.csv",
        "chargeback-2026-10.xlsx",
        "journal-2026-10.csv",
        "report.html",
        "run.json",
        "statements",
    ]


def test_rerun_replaces_the_month_and_leaves_no_staging(
    export: Path, run_on: RunFn, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_on(export, out=out)
    (out / "2026-10" / "stale.txt").write_text("from an older run")
    run_on(export, out=out)
    assert not (out / "2026-10" / "stale.txt").exists()
    assert sorted(p.name for p in out.iterdir()) == ["2026-10", "2026-10.history", "2026-10.runs"]
    runs = sorted(p.name for p in (out / "2026-10.runs").iterdir())
    assert len(runs) == 2  # the current set and the one it replaced (kept), no staging folder
    assert (out / "2026-10").resolve().name in runs


def test_two_currencies_are_never_summed(tmp_path: Path, run_on: RunFn) -> None:
    rows = [
        tagged("p", "CC-1", 1.005),
        tagged("p", "CC-1", 2.0, line_item_currency_code="EUR"),
        cur2_row(cost=3.0, line_item_currency_code="EUR"),
    ]
    write(tmp_path / "e" / "a.parquet", rows)
    summary = read_csv(Path(run_on(tmp_path / "e").outputs["summary"]))
    assert [(r["cost_center"], r["currency"], r["amount"], r["share_pct"]) for r in summary] == [
        ("CC-1", "EUR", "2.00", "40.00"),
        ("UNATTRIBUTED", "EUR", "3.00", "60.00"),
        ("CC-1", "USD", "1.01", "100.00"),
    ]


def test_every_key_spelling_is_looked_up_in_order(tmp_path: Path, run_on: RunFn) -> None:
    """13 looks a tag up in fixed key slots: resource_tags spellings first, then the tags
    map's, best first; blank values fall through; values are trimmed."""
    rows = [
        # second resource_tags spelling, padded: trimmed
        cur2_row(
            cost=1.25,
            line_item_resource_id=PROJECT + "a",
            resource_tags={"user_costcenter": "  CC-9 "},
        ),
        # a blank first spelling falls through to the tags map's fourth spelling
        cur2_row(
            cost=2.50,
            line_item_resource_id=PROJECT + "b",
            resource_tags={"user_cost_center": "   "},
            tags={"resourceTags/costcenter": "CC-8"},
        ),
        # resource_tags wins over the tags map, whatever the spelling
        cur2_row(
            cost=4.00,
            line_item_resource_id=PROJECT + "c",
            resource_tags={"user_costcenter": "CC-7"},
            tags={"resourceTags/CostCenter": "CC-6"},
        ),
        # only the principal's tag, under its second spelling
        cur2_row(
            cost=8.00, line_item_resource_id=PROJECT + "d", tags={"iamPrincipal/costcenter": "CC-5"}
        ),
    ]
    write(tmp_path / "e" / "data" / "BILLING_PERIOD=2026-10" / "x.parquet", rows)
    result = run_on(tmp_path / "e")
    got = {c.cost_center: str(c.amount) for c in result.allocation.totals[0].cost_centers}
    assert got == {"CC-9": "1.25", "CC-8": "2.50", "CC-7": "4.00", "CC-5": "8.00"}
    sources = {ln.cost_center: ln.attribution_source for ln in result.allocation.lines}
    assert sources == {
        "CC-9": "resource_tag",
        "CC-8": "resource_tag",
        "CC-7": "resource_tag",
        "CC-5": "principal_tag",
    }


@pytest.mark.parametrize("tz", [None, "UTC"], ids=["naive", "utc"])
def test_billing_period_timestamps_with_or_without_a_time_zone(
    tmp_path: Path, run_on: RunFn, tz: str | None
) -> None:
    """Exports write the period start as a plain or a UTC timestamp; both select the month
    (and the month before is left out, by date, in either)."""
    import pyarrow as pa

    types = dict(CUR2_TYPES, bill_billing_period_start_date=pa.timestamp("ms", tz=tz))
    rows = [
        tagged("proj_a", "CC-1", 1.25),
        tagged("proj_b", "CC-2", 2.50),
        tagged("proj_a", "CC-1", 9.99, period="2026-09"),
    ]
    if tz is None:
        for row in rows:
            row["bill_billing_period_start_date"] = row["bill_billing_period_start_date"].replace(
                tzinfo=None
            )
    write(tmp_path / "export" / "x-00001.parquet", rows, types=types)
    result = run_on(tmp_path / "export")
    assert summary_amounts(result) == {"CC-1": "1.25", "CC-2": "2.50"}
    assert result.rows.bedrock == 2
