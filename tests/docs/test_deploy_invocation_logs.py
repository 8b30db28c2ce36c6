"""The template's optional invocation logs (issue 14): the function reads only the logging
prefix, and only when a bucket is given."""

from __future__ import annotations

from typing import Any

from tests.docs.test_deploy import resources, template  # noqa: F401  (fixture)


def test_logs_are_read_only_under_their_prefix_and_only_when_given(
    template: dict[str, Any],  # noqa: F811
) -> None:
    (policy,) = resources(template, "AWS::IAM::RolePolicy").values()
    assert policy["Condition"] == "HasInvocationLogs"
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    bucket = "arn:${AWS::Partition}:s3:::${InvocationLogsBucket}"
    assert statements["ReadInvocationLogs"]["Action"] == "s3:GetObject"
    assert statements["ReadInvocationLogs"]["Resource"] == {
        "Fn::Sub": bucket + "/${InvocationLogsPrefix}/*"
    }
    assert statements["ListInvocationLogs"]["Condition"] == {
        "StringLike": {"s3:prefix": {"Fn::Sub": "${InvocationLogsPrefix}/*"}}
    }
    assert set(statements) == {"ReadInvocationLogs", "ListInvocationLogs"}
    (function,) = resources(template, "AWS::Lambda::Function").values()
    variable = function["Properties"]["Environment"]["Variables"]["CHARGEBACK_INVOCATION_LOGS"]
    assert variable["Fn::If"][0] == "HasInvocationLogs"
    assert variable["Fn::If"][1] == {
        "Fn::Sub": "s3://${InvocationLogsBucket}/${InvocationLogsPrefix}"
    }
    assert template["Conditions"]["HasInvocationLogs"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "InvocationLogsBucket"}, ""]}]
    }
