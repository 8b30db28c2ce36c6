"""The invocation-log model mapping (issue 14), walked over every model of the Bedrock
taxonomy (chargeback/bedrock_taxonomy.toml): its model ids, in every form a log writes
them, and its other spellings give the same key."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from chargeback.allocate.log_models import (
    application_profile,
    base_model_id,
    cur_model_key,
    log_model_key,
)


def _is_model_id(spelling: str) -> bool:
    head, dot, rest = spelling.partition(".")
    return bool(dot) and head.isalpha() and head.islower() and bool(rest)


ENTRIES: list[dict[str, Any]] = tomllib.loads(
    (resources.files("chargeback") / "bedrock_taxonomy.toml").read_text(encoding="utf-8")
)["model"]
WITH_IDS = [e for e in ENTRIES if any(_is_model_id(a) for a in e.get("aliases", ()))]


def test_most_models_have_a_model_id() -> None:
    assert len(WITH_IDS) >= len(ENTRIES) * 3 // 4


@pytest.mark.parametrize("entry", WITH_IDS, ids=[e["name"] for e in WITH_IDS])
def test_every_model_id_matches_its_cur_names(entry: dict[str, Any]) -> None:
    name = entry["name"]
    ids = [a for a in entry["aliases"] if _is_model_id(a)]
    for base in ids:
        for log_id in (
            base,
            f"{base}-v1:0",
            f"us.{base}-v1:0",
            f"global.{base}-v1:0",
            f"arn:aws:bedrock:us-east-1::foundation-model/{base}-v1:0",
            f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.{base}-v1:0",
        ):
            assert log_model_key(log_id) == name, log_id
    for spelling in [name, *(a for a in entry["aliases"] if not _is_model_id(a))]:
        assert cur_model_key(spelling) == name, spelling
        assert cur_model_key(f"  {spelling.upper()} ") == name


def test_models_the_taxonomy_does_not_know_match_by_their_words() -> None:
    assert log_model_key("acme.foo-bar-2-v1:0") == cur_model_key("Foo Bar 2")
    assert log_model_key("acme.foo-baz-2-v1:0") != cur_model_key("Foo Bar 2")


def test_base_model_id_and_application_profiles() -> None:
    assert base_model_id("openai.gpt-oss-120b-1:0") == "openai.gpt-oss-120b"
    assert base_model_id("amazon.nova-pro-v1:0:300k") == "amazon.nova-pro"
    assert base_model_id("us.anthropic.claude-sonnet-4-6-20260101-v1:0") == (
        "anthropic.claude-sonnet-4-6"
    )
    arn = "arn:aws:bedrock:us-east-1:444455556666:application-inference-profile/AbC123"
    assert application_profile(arn) == arn.lower()
    assert application_profile("us.amazon.nova-pro-v1:0") is None
    assert application_profile("arn:aws:bedrock:us-east-1::foundation-model/x") is None


def test_month_folders_list_only_the_period_and_the_day_after() -> None:
    from chargeback.read.invocation_logs import month_folders
    from chargeback.settings.model import Period

    base = "r/AWSLogs/1/BedrockModelInvocationLogs"
    tree = {
        "r": ["r/AWSLogs"],
        "r/AWSLogs": ["r/AWSLogs/1", "r/AWSLogs/2"],
        "r/AWSLogs/1": [base],
        base: [f"{base}/eu-west-1"],
        "r/AWSLogs/2": ["r/AWSLogs/2/CloudTrail"],
    }
    found = month_folders(lambda p: tree.get(p, []), "r", Period.parse("2026-12"))
    assert found == [f"{base}/eu-west-1/2026/12", f"{base}/eu-west-1/2027/01/01"]
    assert month_folders(lambda p: [], "deeper", Period.parse("2026-12")) is None


def test_a_number_at_the_end_of_an_unknown_id_is_kept() -> None:
    assert log_model_key("acme.foo-2") == log_model_key("acme.foo-2-v1:0") == "2 foo"
