"""The Bedrock taxonomy (chargeback/bedrock_taxonomy.py and its table): every usage-type
pattern AWS documents, the spellings real exports use for one model, and what it refuses to
guess."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from chargeback.bedrock_taxonomy import Classification, Product, classify, key, parse_table, table

K, M = 1000, 1_000_000


def usage(usage_type: str, unit: str = "1K tokens", **kw: str) -> Classification:
    return classify(Product(usage_type=usage_type, pricing_unit=unit, **kw))


# (usage type, pricing unit) -> (model, token kind, service tier, cross-region, tokens/unit).
# Patterns from AWS's "Understanding your Amazon Bedrock Cost and Usage Report data" (token
# types, service tiers, cross-region), the Bedrock price list's usage types, and the shipped
# sample and scale generator.
TOKENS: dict[tuple[str, str], tuple[str, str, str, str, int | None]] = {
    ("USE1-Claude4.6Sonnet-input-tokens", "1K tokens"): (
        "Claude Sonnet 4.6", "input", "standard", "in_region", K),
    ("USE1-Claude4.6Sonnet-output-tokens", "1K tokens"): (
        "Claude Sonnet 4.6", "output", "standard", "in_region", K),
    ("USE1-Claude4.6Sonnet-cache-read-input-token-count", "1K tokens"): (
        "Claude Sonnet 4.6", "cache_read", "standard", "in_region", K),
    ("USE1-Claude4.6Sonnet-cache-write-input-token-count", "1K tokens"): (
        "Claude Sonnet 4.6", "cache_write", "standard", "in_region", K),
    ("USE1-gpt-oss-120b-mantle-input-tokens-standard", "1M tokens"): (
        "gpt-oss-120b", "input", "standard", "in_region", M),
    ("USE1-gpt-oss-120b-mantle-output-tokens-standard", "1M tokens"): (
        "gpt-oss-120b", "output", "standard", "in_region", M),
    ("USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", "1K tokens"): (
        "gpt-oss-120b", "input", "standard", "in_region", K),
    ("USE1-openai.gpt-oss-120b-mantle-input-tokens-priority", "1K tokens"): (
        "gpt-oss-120b", "input", "priority", "in_region", K),
    ("USE1-gpt-oss-120b-input-tokens", "1K tokens"): (
        "gpt-oss-120b", "input", "standard", "in_region", K),
    ("USE1-NovaPro-input-tokens-flex", "1K tokens"): (
        "Amazon Nova Pro", "input", "flex", "in_region", K),
    ("USE1-Nova2.0Lite-input-tokens-flex", "1K tokens"): (
        "Amazon Nova 2 Lite", "input", "flex", "in_region", K),
    ("USE1-NovaPro-input-tokens-batch", "1K tokens"): (
        "Amazon Nova Pro", "input", "batch", "in_region", K),
    ("USE1-NovaPro-batch-input-tokens", "1K tokens"): (
        "Amazon Nova Pro", "input", "batch", "in_region", K),
    ("USE1-NovaPro-batch-output-tokens", "1K tokens"): (
        "Amazon Nova Pro", "output", "batch", "in_region", K),
    ("USE1-NovaPro-input-tokens-latency-optimized", "1K tokens"): (
        "Amazon Nova Pro", "input", "latency_optimized", "in_region", K),
    ("USE1-Claude4.5Haiku-input-tokens-reserved", "1K tokens"): (
        "Claude Haiku 4.5", "input", "reserved", "in_region", K),
    ("USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global", "1K tokens"): (
        "Claude Sonnet 4", "cache_read", "standard", "global", K),
    ("USE1-Claude4Sonnet-input-tokens-cross-region-geo", "1K tokens"): (
        "Claude Sonnet 4", "input", "standard", "geo", K),
    ("USE1-Claude4Sonnet-output-tokens-long-context-cross-region-global", "1K tokens"): (
        "Claude Sonnet 4", "output", "standard", "global", K),
    ("USE1-Llama3.3-70B-input-tokens", "1M tokens"): (
        "Llama 3.3 70B Instruct", "input", "standard", "in_region", M),
    ("USE1-Llama3.3-70B-output-tokens", "1M tokens"): (
        "Llama 3.3 70B Instruct", "output", "standard", "in_region", M),
    ("USW2-Llama4Maverick-cache-write-input-token-count", "1K tokens"): (
        "Llama 4 Maverick 17B Instruct", "cache_write", "standard", "in_region", K),
    ("USE1-NovaLite-input-tokens", "1K tokens"): (
        "Amazon Nova Lite", "input", "standard", "in_region", K),
    ("USW2-NovaLite-output-tokens", "1K tokens"): (
        "Amazon Nova Lite", "output", "standard", "in_region", K),
    ("EUC1-NovaMicro-input-tokens", "1K tokens"): (
        "Amazon Nova Micro", "input", "standard", "in_region", K),
    ("APN1-TitanEmbeddingsV2-Text-input-tokens", "1K tokens"): (
        "Amazon Titan Text Embeddings V2", "input", "standard", "in_region", K),
}  # fmt: skip


@pytest.mark.parametrize(("usage_type", "unit"), list(TOKENS))
def test_every_documented_token_usage_type_is_named(usage_type: str, unit: str) -> None:
    model, token, tier, region, per_unit = TOKENS[(usage_type, unit)]
    got = usage(usage_type, unit)
    assert (got.model, got.token_kind, got.service_tier, got.cross_region) == (
        model,
        token,
        tier,
        region,
    )
    assert got.tokens_per_unit == per_unit
    assert got.charge_kind == "" and got.unknown == "" and got.unsized_unit == ""
    assert got.provider  # every known model has its provider


# usage type (feature) -> (charge kind, model or "").
CHARGES: dict[tuple[str, str], tuple[str, str]] = {
    ("USE1-NovaPro-ProvisionedThroughput-ModelUnits", "Provisioned Throughput"): (
        "provisioned_throughput", "Amazon Nova Pro"),
    ("USE1-ProvisionedThroughput-NovaPro-ModelUnits", ""): (
        "provisioned_throughput", "Amazon Nova Pro"),
    ("USE1-ProvisionedThroughput-ModelUnits", ""): ("provisioned_throughput", ""),
    ("USE1-CustomModelStorage-NovaPro", "Custom Model Storage"): (
        "custom_model_storage", "Amazon Nova Pro"),
    ("USE1-CustomModelImport-CustomModelUnit-Minutes", ""): ("custom_model_import", ""),
    ("USE1-Customization-Training-NovaLite", ""): ("model_customization", "Amazon Nova Lite"),
    ("USE1-Guardrails-TextUnits", "Guardrails"): ("guardrails", ""),
    ("USE1-Guardrails-ContentPolicy-TextUnits", ""): ("guardrails", ""),
    ("USE1-KnowledgeBase-StructuredDataRetrieval", ""): ("knowledge_bases", ""),
    ("USE1-Flows-NodeTransitions", ""): ("flows", ""),
    ("USE1-ModelEvaluation-HumanTasks", ""): ("evaluations", ""),
    ("USE1-AgentCore-Runtime-vCPU-Hours", "AgentCore Runtime"): ("agentcore_runtime", ""),
    ("USE1-AgentCore-Runtime-Memory-GB-Hours", ""): ("agentcore_runtime", ""),
    ("USE1-AgentCore-Gateway-Invocations", ""): ("agentcore_gateway", ""),
    ("USE1-AgentCore-Memory-ShortTerm-Events", ""): ("agentcore_memory", ""),
    ("USE1-AgentCore-Identity-TokenRequests", ""): ("agentcore_identity", ""),
    ("USE1-DataAutomation-DocumentPages-Standard", ""): ("data_automation", ""),
}  # fmt: skip


@pytest.mark.parametrize(("usage_type", "feature"), list(CHARGES))
def test_charges_that_are_not_tokens_are_named_and_never_a_model(
    usage_type: str, feature: str
) -> None:
    kind, model = CHARGES[(usage_type, feature)]
    got = usage(usage_type, "Hrs", feature=feature)
    assert (got.charge_kind, got.model) == (kind, model)
    assert got.token_kind == "" and got.tokens_per_unit is None and got.unknown == ""
    # the old usage-type rule's names never reach the model column
    assert got.model not in ("ProvisionedThroughput", "CustomModelStorage", "Guardrails")
    assert got.usage_kind == ("provisioned_throughput" if "provisioned" in kind else "other")


def test_one_model_one_name_however_the_export_spells_it() -> None:
    marketplace = {"billing_entity": "AWS Marketplace", "pricing_unit": "Units"}
    spellings = [
        Product(usage_type="USE1-Claude4.6Sonnet-input-tokens"),
        Product(usage_type="USE1-Claude4.6Sonnet-input-tokens", product_model="Claude Sonnet 4.6"),
        Product(product_model="Claude Sonnet 4.6", usage_type="USE1-x-input-tokens"),
        Product(
            usage_type="USE1-MP:USE1_InputTokenCount-Units",
            product_name="Claude Sonnet 4.6 (Amazon Bedrock Edition)",
            **marketplace,
        ),
        Product(
            usage_type="USW2-MP:USW2_InputTokenCount-Units",
            product_name="Claude Sonnet 4.6 (Bedrock Edition)",
            product_model="Claude Sonnet 4.6",
            **marketplace,
        ),
    ]
    assert {classify(p).model for p in spellings} == {"Claude Sonnet 4.6"}
    assert {classify(p).token_kind for p in spellings} == {"input"}
    nova = [
        Product(usage_type="USE1-NovaLite-input-tokens"),
        Product(usage_type="USE1-NovaLite-input-tokens", product_model="Nova Lite"),
        Product(usage_type="USE1-NovaLite-input-tokens", product_model="Amazon Nova Lite"),
    ]
    assert {classify(p).model for p in nova} == {"Amazon Nova Lite"}


def test_marketplace_units_are_sized_by_the_description_or_reported() -> None:
    base = {
        "usage_type": "USE1-MP:USE1_OutputTokenCount-Units",
        "billing_entity": "AWS Marketplace",
        "product_name": "Claude Sonnet 4.6 (Amazon Bedrock Edition)",
        "pricing_unit": "Units",
    }
    for description, tokens in (
        ("$0.015 per 1,000 output tokens", 1000),
        ("Claude Sonnet 4.6 output, per 1K tokens", 1000),
        ("USD 15 per 1M output tokens", 1_000_000),
        ("billed in units of 1K tokens", 1000),
    ):
        got = classify(Product(**base, unit_description=description))
        assert (got.tokens_per_unit, got.unsized_unit) == (tokens, ""), description
    unsized = classify(Product(**base, unit_description="Claude (Amazon Bedrock Edition) X"))
    assert unsized.tokens_per_unit is None and unsized.unsized_unit == "Units"
    assert unsized.model == "Claude Sonnet 4.6" and unsized.unknown == ""


def test_unknown_models_and_usage_are_reported_with_the_exports_name_never_guessed() -> None:
    new_model = usage("USE1-Foo9Ultra-input-tokens")
    assert new_model.model == "Foo9Ultra" and "not in the taxonomy" in new_model.unknown
    aws_name = usage("USE1-Foo9Ultra-input-tokens", product_model="Foo 9 Ultra")
    assert aws_name.model == "Foo 9 Ultra" and aws_name.unknown
    neither = usage("USE1-SomethingNew-Widgets", "Widgets")
    assert neither.model == "" and neither.charge_kind == "" and neither.unknown
    assert neither.usage_kind == "other"
    unit = usage("USE1-NovaPro-input-tokens", "Pages")
    assert unit.unsized_unit == "Pages" and unit.tokens_per_unit is None


def test_lines_that_are_not_usage_get_no_kind_and_are_not_reported() -> None:
    for line_item_type in ("Tax", "Credit", "Refund", "EdpDiscount", "SomethingNew"):
        got = classify(Product(line_item_type=line_item_type))
        assert (got.usage_kind, got.token_kind, got.charge_kind, got.unknown) == ("",) * 4


def test_the_table_has_one_owner_for_every_spelling() -> None:
    text = (resources.files("chargeback") / "bedrock_taxonomy.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    names = [m["name"] for m in data["model"]]
    assert len(names) == len(set(names))
    t = table()
    for entry in data["model"]:
        for spelling in (entry["name"], *entry.get("aliases", ())):
            assert t.models[key(spelling)].name == entry["name"]
    clash = {**data, "model": [*data["model"], {"name": "Nova Pro", "provider": "X"}]}
    with pytest.raises(ValueError, match="names both"):
        parse_table(clash)


def test_the_warning_names_what_is_unknown_with_export_text_escaped() -> None:
    from chargeback.allocate.products import ProductNames, Unnamed

    odd = "USE1-\x1b[31mEvil" + "x" * 80 + "-input-tokens"
    named = ProductNames(
        products=3,
        unknown=tuple(Unnamed(f"USE1-M{i}-input-tokens", "AWS", f"M{i}", "new") for i in range(6))
        + (Unnamed(odd, "AWS", "Evil", "model 'Evil' is not in the taxonomy"),),
    )
    [warning] = named.warnings()
    assert warning.startswith("7 usage type(s) the Bedrock taxonomy does not know: ")
    assert "USE1-M0-input-tokens (new)" in warning and "and 2 more" in warning
    assert "\x1b" not in warning
    [line] = ProductNames(unknown=(Unnamed(odd, "AWS", "Evil", "x"),)).warnings()
    assert "\\x1b[31mEvil" in line and "…" in line and "\x1b" not in line
