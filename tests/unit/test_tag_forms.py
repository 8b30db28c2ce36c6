"""The forms a tag key may be given in, and where each rule looks for it."""

from __future__ import annotations

import pytest

from chargeback.read.tagkeys import (
    account_tag_keys,
    bare_tag_key,
    cur_tag_key,
    principal_tag_keys,
    tag_lookup,
)


@pytest.mark.parametrize(
    "key", ["CostCenter", "resourceTags/CostCenter", " resourcetags/CostCenter ", "user:CostCenter"]
)
def test_every_form_of_the_key_finds_the_same_cur_key(key: str) -> None:
    assert cur_tag_key(key) == "user_cost_center"
    lookup = tag_lookup(key)
    assert lookup.resource_tag_keys[0] == "user_cost_center"
    assert "resourceTags/CostCenter" in lookup.tags_map_keys
    assert lookup.legacy_columns[0] == "resource_tags_user_cost_center"


def test_the_prefix_is_dropped_only_at_the_start() -> None:
    assert bare_tag_key("resourceTags/CostCenter") == "CostCenter"
    assert bare_tag_key("Team/resourceTags/") == "Team/resourceTags/"


def test_case_is_never_folded_into_another_aws_key() -> None:
    # AWS keeps CostCenter and costcenter apart (user_cost_center, user_costcenter).
    assert "user_cost_center" not in tag_lookup("costcenter").resource_tag_keys
    assert "user_cost_center" not in tag_lookup("CostCentre").resource_tag_keys


def test_principal_and_account_tags_are_prefixed_keys_of_the_tags_map() -> None:
    assert principal_tag_keys("resourceTags/CostCenter") == (
        "iamPrincipal/CostCenter",
        "iamPrincipal/costcenter",
        "iamPrincipal/user_cost_center",
    )
    assert account_tag_keys("CostCenter") == (
        "accountTag/CostCenter",
        "accountTag/costcenter",
        "accountTag/user_cost_center",
    )
