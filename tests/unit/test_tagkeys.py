import pytest

from chargeback.read.tagkeys import cur_tag_key, tag_lookup


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("CostCenter", "user_cost_center"),
        ("Application", "user_application"),
        ("costCenter", "user_cost_center"),
        ("cost-center", "user_cost_center"),
        ("Cost Center", "user_cost_center"),
        ("user:CostCenter", "user_cost_center"),
        ("aws:createdBy", "aws_created_by"),
        ("user_cost_center", "user_cost_center"),
        ("team", "user_team"),
    ],
)
def test_cur_tag_key_follows_the_aws_rewrite(key: str, expected: str) -> None:
    assert cur_tag_key(key) == expected


def test_lookup_lists_every_spelling_best_first() -> None:
    lookup = tag_lookup("CostCenter")
    assert lookup.resource_tag_keys[0] == "user_cost_center"
    assert "user_costcenter" in lookup.resource_tag_keys
    assert lookup.tags_map_keys[0] == "resourceTags/CostCenter"
    assert "resourceTags/user:CostCenter" in lookup.tags_map_keys
    assert lookup.legacy_columns[0] == "resource_tags_user_cost_center"
