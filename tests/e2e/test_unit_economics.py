"""One Bedrock taxonomy and unit economics end to end, on the sample month, the same month
as legacy CUR, and a generated 1M-row month: every usage type is named (a canonical model or
a charge kind, never the raw string), one model has one name across first-party and
Marketplace lines, and unit economics add up to each cost center's total to the cent,
checked against sums made here from the Parquet rows."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import openpyxl
import pytest

from chargeback.bedrock_taxonomy import table
from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from sample_data.generator.cur2 import bedrock_sample_rows, write_legacy_cur
from tests.support.paths import SAMPLE
from tests.support.runs import read_csv
from tests.support.sample_month import exact_by_bucket, sample_rows

D = Decimal
CANONICAL = {m.name for m in table().models.values()}
#: The names the usage-type rule gave before the taxonomy (issue 15): never a model now.
RAW_NAMES = {
    "ProvisionedThroughput",
    "CustomModelStorage",
    "Guardrails",
    "AgentCore",
    "openai.gpt",
    "gpt",
    "NovaLite",
    "NovaPro",
    "Claude4.6Sonnet",
    "Llama3.3",
    "Claude Sonnet 4.6 (Amazon Bedrock Edition)",
}


def run_month(source: Path, out: Path, period: str = "2026-10") -> RunResult:
    return run(RunConfig(source=str(source), period=Period.parse(period), out=str(out)))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return run_month(SAMPLE, tmp_path_factory.mktemp("sample-out"))


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    root = tmp_path_factory.mktemp("legacy")
    write_legacy_cur(root / "cur", bedrock_sample_rows("2026-10", 7))
    return run_month(root / "cur", root / "out")


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    from benchmarks.generate import generate

    root = tmp_path_factory.mktemp("million")
    generate(root / "export", 1_000_000, seed=11)
    return run_month(root / "export", root / "out")


def models_by_usage_type(result: RunResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for line in read_csv(result.outputs["lines"]):
        if line["usage_type"] and line["line_item_type"] not in ("Tax", "Credit", "Refund"):
            found[line["usage_type"]].add(line["model"] or f"charge:{line['charge_kind']}")
    return found


def assert_every_usage_type_is_named(result: RunResult) -> None:
    run_json = json.loads(Path(result.outputs["run"]).read_text(encoding="utf-8"))
    assert run_json["taxonomy"]["unknown"] == []
    lines = read_csv(result.outputs["lines"])
    usage = [ln for ln in lines if ln["usage_kind"]]
    assert usage
    for ln in usage:
        assert ln["model"] in CANONICAL or (ln["model"] == "" and ln["charge_kind"]), ln
        assert ln["model"] not in RAW_NAMES
        assert bool(ln["token_kind"]) != bool(ln["charge_kind"]), ln  # tokens xor a charge


def assert_unit_economics_add_up(result: RunResult) -> None:
    """Per cost center, the unit-economics CSV's amounts add up to the summary CSV's; the
    sheet and run.json hold the same rows."""
    summary = {
        (r["cost_center"], r["currency"]): D(r["amount"])
        for r in read_csv(result.outputs["summary"])
    }
    rows = read_csv(
        Path(result.outputs["summary"]).with_name(
            Path(result.outputs["summary"]).name.replace("summary", "unit-economics")
        )
    )
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        sums[(r["cost_center"], r["currency"])] += D(r["amount"])
        if r["tokens"] and D(r["tokens"]):
            rate = D(r["amount"]) / D(r["tokens"]) * 1_000_000
            assert abs(rate - D(r["cost_per_1m_tokens"])) <= D("0.0001") * 2 + abs(
                D("0.01") / D(r["tokens"]) * 1_000_000
            ), r
    assert sums == summary
    run_json = json.loads(Path(result.outputs["run"]).read_text(encoding="utf-8"))
    assert len(run_json["unit_economics"]["rows"]) == len(rows)
    assert sum(D(r["amount"]) for r in run_json["unit_economics"]["rows"]) == sum(summary.values())


# -- the sample month --------------------------------------------------------------------------


def test_sample_every_usage_type_is_named_and_one_model_has_one_name(sample: RunResult) -> None:
    assert_every_usage_type_is_named(sample)
    found = models_by_usage_type(sample)
    assert found["USE1-Claude4.6Sonnet-input-tokens"] == {"Claude Sonnet 4.6"}
    assert found["USE1-MP:USE1_InputTokenCount-Units"] == {"Claude Sonnet 4.6"}  # Marketplace
    assert found["USE1-gpt-oss-120b-mantle-input-tokens-standard"] == {"gpt-oss-120b"}
    assert found["USE1-Llama3.3-70B-input-tokens"] == {"Llama 3.3 70B Instruct"}
    assert found["USE1-CustomModelStorage-NovaPro"] == {"Amazon Nova Pro"}
    lines = read_csv(sample.outputs["lines"])
    kinds = {ln["usage_type"]: ln["charge_kind"] for ln in lines}
    assert kinds["USE1-CustomModelStorage-NovaPro"] == "custom_model_storage"
    assert kinds["USE1-NovaPro-ProvisionedThroughput-ModelUnits"] == "provisioned_throughput"


def test_sample_unit_economics_match_the_parquet_rows(sample: RunResult) -> None:
    assert_unit_economics_add_up(sample)
    # each cost center's total, from the Parquet rows here (tests/support/sample_month.py)
    exact = exact_by_bucket(sample_rows())
    rows = read_csv(
        Path(sample.outputs["lines"]).with_name("chargeback-2026-10-unit-economics.csv")
    )
    by_center: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        by_center[r["cost_center"]] += D(r["amount"])
    for name in ("CC-1001", "CC-2002", "CC-3003"):
        assert abs(by_center[name] - exact[name]) < D("0.01")
    # tokens per cost center and kind, from the rows: usage x tokens per pricing unit
    tokens: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    claude_tokens: dict[str, Decimal] = defaultdict(Decimal)  # CC-1001's, first party
    input_cost = input_tokens = D(0)
    read_cost: dict[str, Decimal] = defaultdict(Decimal)
    for r in sample_rows():
        usage_type = r["line_item_usage_type"] or ""
        per = {"1K tokens": 1000, "1M tokens": 1_000_000}.get(r["pricing_unit"] or "")
        if per is None or "token" not in usage_type:
            continue
        resource_tags = dict(cast(list[tuple[str, str]], r.get("resource_tags") or []))
        tag = (resource_tags.get("user_cost_center") or "").strip()
        kind = next(k for k in ("cache-read", "cache-write", "input", "output") if k in usage_type)
        amount = D(repr(r["line_item_usage_amount"])) * per
        tokens[(tag or "UNATTRIBUTED", kind.replace("-", "_"))] += amount
        if "-Claude4.6Sonnet-" in usage_type and tag == "CC-1001":
            claude_tokens[kind.replace("-", "_")] += amount
        if usage_type == "USE1-Claude4.6Sonnet-input-tokens":
            input_cost += D(repr(r["line_item_net_unblended_cost"]))
            input_tokens += amount
        if usage_type == "USE1-Claude4.6Sonnet-cache-read-input-token-count" and tag:
            read_cost[tag] += D(repr(r["line_item_net_unblended_cost"]))
    got: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["tokens"]:
            got[(r["cost_center"], r["token_kind"])] += D(r["tokens"])
    assert got == {k: v for k, v in tokens.items() if v}
    # what the cache saved CC-1001: cache-read tokens at Claude's input rate, minus their cost
    saving = tokens[("CC-1001", "cache_read")] * input_cost / input_tokens - read_cost["CC-1001"]
    [claude] = [
        r for r in rows if r["cost_center"] == "CC-1001" and r["token_kind"] == "cache_read"
    ]
    assert D(claude["cache_savings"]) == saving.quantize(D("0.01"))
    side = sum(claude_tokens[k] for k in ("input", "cache_read", "cache_write"))
    hit_rate = claude_tokens["cache_read"] * 100 / side
    assert D(claude["cache_hit_rate_pct"]) == hit_rate.quantize(D("0.01"))


def test_sample_reports_the_marketplace_units_it_cannot_size(sample: RunResult) -> None:
    run_json = json.loads(Path(sample.outputs["run"]).read_text(encoding="utf-8"))
    unsized = {e["usage_type"]: e for e in run_json["taxonomy"]["unsized_units"]}
    assert set(unsized) == {
        "USE1-MP:USE1_InputTokenCount-Units",
        "USE1-MP:USE1_OutputTokenCount-Units",
    }
    marketplace = D(0)
    for r in sample_rows():
        if r["bill_billing_entity"] == "AWS Marketplace" and r["pricing_unit"] == "Units":
            marketplace += D(repr(r["line_item_net_unblended_cost"]))
    assert sum(D(e["spend"]["USD"]) for e in unsized.values()) == marketplace.quantize(D("0.01"))
    assert any("cannot size" in w for w in sample.warnings)


def test_sample_workbook_sheet_totals_are_the_statements(sample: RunResult) -> None:
    wb = openpyxl.load_workbook(sample.outputs["workbook"], data_only=True)
    ws = wb["Unit economics"]
    summary = {r["cost_center"]: D(r["amount"]) for r in read_csv(sample.outputs["summary"])}
    totals = {}
    for row in ws.iter_rows(values_only=True):
        label = row[0]
        if isinstance(label, str) and label.startswith("Total") and row[5] is not None:
            totals[label] = D(str(row[5])).quantize(D("0.01"))
    assert sorted(totals.values()) == sorted(summary.values())


# -- the same month as legacy CUR --------------------------------------------------------------


def test_legacy_names_every_usage_type_as_cur2_does(sample: RunResult, legacy: RunResult) -> None:
    assert_every_usage_type_is_named(legacy)
    assert models_by_usage_type(legacy) == models_by_usage_type(sample)
    assert_unit_economics_add_up(legacy)


# -- a generated 1M-row month ------------------------------------------------------------------


def test_a_million_row_month_names_every_usage_type(million: RunResult) -> None:
    assert_every_usage_type_is_named(million)
    found = models_by_usage_type(million)
    assert found["USE1-NovaLite-input-tokens"] == {"Amazon Nova Lite"}  # not "NovaLite"
    assert found["USW2-MP:USW2_InputTokenCount-Units"] == {"Claude Sonnet 4.6"}
    assert found["USE1-Claude4.6Sonnet-input-tokens"] == {"Claude Sonnet 4.6"}
    assert found["USE1-Guardrails-TextUnits"] == {"charge:guardrails"}
    assert found["USE1-AgentCore-Runtime-vCPU-Hours"] == {"charge:agentcore_runtime"}
    assert found["USE1-ProvisionedThroughput-NovaPro-ModelUnits"] == {"Amazon Nova Pro"}
    assert_unit_economics_add_up(million)


# -- Marketplace "Units", sized by the line item description -------------------------------------


def test_marketplace_units_are_sized_by_their_descriptions(tmp_path: Path) -> None:
    from sample_data.generator.columns import CUR2_TYPES
    from tests.support.builders import marketplace_units_line, write

    def line(code: str, name: str, usage: float, cost: float, description: str) -> dict[str, Any]:
        return marketplace_units_line(code, usage, cost, description, model=name)

    rows = [
        line("mp-a", "Claude Sonnet 4.6", 2000.0, 6.0, "$0.003 per 1,000 input tokens"),
        line("mp-a", "Claude Sonnet 4.6", 1000.0, 3.0, "$0.003 per 1,000 input tokens"),
        line("mp-b", "Llama 3.3 70B Instruct", 4.0, 2.88, "USD 0.72 per 1M input tokens"),
        line("mp-c", "Claude Haiku 4.5", 10.0, 1.0, "Claude Haiku 4.5 USE1_InputTokenCount"),
    ]
    write(tmp_path / "export" / "data" / "part-1.parquet", rows, types=CUR2_TYPES)
    result = run_month(tmp_path / "export", tmp_path / "out")
    economics = read_csv(
        Path(result.outputs["summary"]).with_name("chargeback-2026-10-unit-economics.csv")
    )
    got = {
        (r["model"], r["charge"]): (r["tokens"], r["amount"], r["cost_per_1m_tokens"])
        for r in economics
    }
    assert got == {
        ("Claude Sonnet 4.6", ""): ("3000000", "9.00", "3.0000"),
        ("Llama 3.3 70B Instruct", ""): ("4000000", "2.88", "0.7200"),
        ("Claude Haiku 4.5", "unsized_unit"): ("", "1.00", ""),
    }
    saved = json.loads(Path(result.outputs["run"]).read_text(encoding="utf-8"))
    assert [e["model"] for e in saved["taxonomy"]["unsized_units"]] == ["Claude Haiku 4.5"]
    assert saved["taxonomy"]["unknown"] == []
