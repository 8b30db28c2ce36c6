"""The invocation-log model mapping, walked entry by entry (issue 14)."""

from __future__ import annotations

import pytest

from chargeback.allocate.log_models import (
    MODELS,
    application_profile,
    base_model_id,
    cur_model_key,
    log_model_key,
)


@pytest.mark.parametrize(("base", "names"), MODELS, ids=[m[0] for m in MODELS])
def test_every_entry_matches_its_log_ids_and_cur_names(base: str, names: tuple[str, ...]) -> None:
    for log_id in (
        base,
        f"{base}-v1:0",
        f"us.{base}-v1:0",
        f"global.{base}-20260101-v1:0",
        f"arn:aws:bedrock:us-east-1::foundation-model/{base}-v1:0",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.{base}-v1:0",
    ):
        assert log_model_key(log_id) == base, log_id
    for name in names:
        assert cur_model_key(name) == base, name
        assert cur_model_key(f"  {name.upper()} ") == base


def test_models_the_table_does_not_know_match_by_their_words() -> None:
    assert log_model_key("cohere.command-r-plus-v1:0") == cur_model_key("Command R Plus")
    assert log_model_key("us.writer.palmyra-x5-v1:0") == cur_model_key("Palmyra X5")
    assert log_model_key("cohere.command-r-v1:0") != cur_model_key("Command R Plus")


def test_base_model_id_and_application_profiles() -> None:
    assert base_model_id("openai.gpt-oss-120b-1:0") == "openai.gpt-oss-120b"
    assert base_model_id("amazon.nova-pro-v1:0:300k") == "amazon.nova-pro"
    arn = "arn:aws:bedrock:us-east-1:444455556666:application-inference-profile/AbC123"
    assert application_profile(arn) == arn.lower()
    assert application_profile("us.amazon.nova-pro-v1:0") is None
    assert application_profile("arn:aws:bedrock:us-east-1::foundation-model/x") is None


def test_month_folders_list_only_the_period_and_the_day_after() -> None:
    from chargeback.read.invocation_logs import month_folders
    from chargeback.settings.model import Period

    tree = {
        "r": ["r/AWSLogs"],
        "r/AWSLogs": ["r/AWSLogs/1", "r/AWSLogs/2"],
        "r/AWSLogs/1": ["r/AWSLogs/1/BedrockModelInvocationLogs"],
        "r/AWSLogs/1/BedrockModelInvocationLogs": [
            "r/AWSLogs/1/BedrockModelInvocationLogs/eu-west-1"
        ],
        "r/AWSLogs/2": ["r/AWSLogs/2/CloudTrail"],
    }
    found = month_folders(lambda p: tree.get(p, []), "r", Period.parse("2026-12"))
    base = "r/AWSLogs/1/BedrockModelInvocationLogs/eu-west-1"
    assert found == [f"{base}/2026/12", f"{base}/2027/01/01"]
    assert month_folders(lambda p: [], "deeper", Period.parse("2026-12")) is None
