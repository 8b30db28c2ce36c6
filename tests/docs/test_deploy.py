"""The deployment files: a template that lints, a least-privilege role, a manifest trigger.

Docker is not available where the tests run, so the image is not built here; the checks
below keep the Dockerfile and the template consistent with the package.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from cfnlint.api import lint
from cfnlint.decode import decode_str

import chargeback.allocate.export_definition as definition
from tests.support.paths import REPO

DEPLOY = REPO / "deploy"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    doc, problems = decode_str((DEPLOY / "template.yaml").read_text())
    assert problems == []
    return dict(doc)


def resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_template_passes_cfn_lint() -> None:
    assert [
        str(m) for m in lint((DEPLOY / "template.yaml").read_text(), regions=["us-east-1"])
    ] == []


def test_function_is_the_image_running_the_handler(template: dict[str, Any]) -> None:
    (function,) = resources(template, "AWS::Lambda::Function").values()
    props = function["Properties"]
    assert props["PackageType"] == "Image"
    env = props["Environment"]["Variables"]
    assert env["CHARGEBACK_OUT"] == {"Fn::Sub": "s3://${OutputBucket}/${OutputPrefix}"}
    assert {"CHARGEBACK_COST_CENTER_TAG", "CHARGEBACK_MEMORY_LIMIT", "CHARGEBACK_CONFIG"} <= set(
        env
    )
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM public.ecr.aws/lambda/python:" in dockerfile
    (cmd,) = [ln for ln in dockerfile.splitlines() if ln.startswith("CMD")]
    module, _, name = cmd.split('"')[1].rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


def test_role_reads_the_export_prefix_and_writes_the_output_prefix_only(
    template: dict[str, Any],
) -> None:
    (role,) = resources(template, "AWS::IAM::Role").values()
    (policy,) = role["Properties"]["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    assert role["Properties"].get("ManagedPolicyArns") is None
    granted = {}
    conditional = {}
    for s in statements:
        if "Fn::If" in s:  # a statement only when a parameter is set: (condition, it, NoValue)
            condition, s, otherwise = s["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
            conditional[s["Sid"]] = condition
        assert s["Effect"] == "Allow"
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        assert all("*" not in a for a in actions), actions
        assert s["Resource"] != "*"
        granted[s["Sid"]] = (sorted(actions), s["Resource"], s.get("Condition"))
    bucket = "arn:${AWS::Partition}:s3:::"
    assert granted["ReadExport"] == (
        ["s3:GetObject"],
        {"Fn::Sub": bucket + "${ExportBucket}/${ExportPrefix}/*"},
        None,
    )
    assert granted["ListExport"] == (
        ["s3:ListBucket"],
        {"Fn::Sub": bucket + "${ExportBucket}"},
        {"StringLike": {"s3:prefix": {"Fn::Sub": "${ExportPrefix}/*"}}},
    )
    assert granted["WriteStatements"] == (
        ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        {"Fn::Sub": bucket + "${OutputBucket}/${OutputPrefix}/*"},
        None,
    )
    assert granted["ListStatements"][2] == {
        "StringLike": {"s3:prefix": {"Fn::Sub": "${OutputPrefix}/*"}}
    }
    assert granted["Log"][0] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert granted["SendAlerts"] == (["sns:Publish"], {"Ref": "AlertTopicArn"}, None)
    assert conditional == {"SendAlerts": "HasAlertTopic"}
    assert set(granted) == {
        "ReadExport",
        "ListExport",
        "WriteStatements",
        "ListStatements",
        "Log",
        "SendAlerts",
    }


def test_s3_notification_fires_on_the_manifest_only(template: dict[str, Any]) -> None:
    (bucket,) = resources(template, "AWS::S3::Bucket").values()
    (config,) = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert config["Event"] == "s3:ObjectCreated:*"
    rules = {r["Name"]: r["Value"] for r in config["Filter"]["S3Key"]["Rules"]}
    assert rules == {"prefix": {"Fn::Sub": "${ExportPrefix}/metadata/"}, "suffix": "Manifest.json"}
    (permission,) = [
        p
        for p in resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "s3.amazonaws.com"
    ]
    assert permission["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_eventbridge_rule_matches_the_manifest_only(template: dict[str, Any]) -> None:
    (rule,) = resources(template, "AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["object"]["key"] == [
        {"wildcard": {"Fn::Sub": "${ExportPrefix}/metadata/*Manifest.json"}}
    ]


def test_optional_bedrock_export_is_the_printed_definition(template: dict[str, Any]) -> None:
    (export,) = resources(template, "AWS::BCMDataExports::Export").values()
    assert export["Condition"] == "CreateExport"
    assert template["Conditions"]["CreateExport"] == {
        "Fn::Equals": [{"Ref": "CreateBedrockExport"}, "true"]
    }
    assert template["Parameters"]["CreateBedrockExport"]["Default"] == "false"
    body = export["Properties"]["Export"]
    printed = definition.export()
    assert body["DataQuery"] == printed["DataQuery"]
    assert body["RefreshCadence"] == printed["RefreshCadence"]
    s3 = body["DestinationConfigurations"]["S3Destination"]
    assert s3["S3Bucket"] == {"Ref": "ExportBucket"}
    assert (
        s3["S3OutputConfigurations"]
        == printed["DestinationConfigurations"]["S3Destination"]["S3OutputConfigurations"]
    )
