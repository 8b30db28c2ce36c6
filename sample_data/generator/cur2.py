"""Deterministic generator of realistic AWS Data Exports (CUR 2.0) data for Amazon Bedrock.

One billing month of line items for a payer with two usage accounts: Bedrock projects, the
default project, application inference profiles, provisioned throughput, an untagged resource,
first-party and AWS Marketplace models, cache read/write tokens, credits, tax and a refund,
plus EC2, S3 and Lambda lines that a Bedrock chargeback must leave out.

Everything derives from ``(period, seed)``: the same arguments give byte-identical Parquet
files and no wall-clock time is read anywhere.

The column set is one table, :data:`CUR2_COLUMNS` (name, pyarrow type) of
:mod:`sample_data.generator.columns`, close to the full CUR 2.0 schema (columns this generator
does not fill are written as nulls). Rows are built
column-wise: each "stream" of line items (one resource, usage type and account) is a row of
attributes, every line item points at its stream, and each column is one vectorised take or
numpy expression over all rows.

Usage::

    python -m sample_data.generator.sample --out sample_data/bedrock-cur2 --period 2026-10 --seed 7
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sample_data.generator.columns import (
    CUR2_COLUMNS,
    DBL,
    STR,
    TIMESTAMP,
    athena_type,
    cur2_schema,
)

__all__ = [
    "CUR2_COLUMNS",
    "DRIFT_COLUMNS",
    "PAYER_ACCOUNT_ID",
    "USAGE_ACCOUNT_IDS",
    "athena_type",
    "bedrock_sample_rows",
    "cur2_schema",
    "to_legacy_table",
    "write_cur2_export",
    "write_legacy_cur",
]

# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

#: Columns AWS added to the export later: absent from the first data file of a delivery.
DRIFT_COLUMNS: tuple[str, ...] = ("line_item_iam_principal", "tags")

_GROUP_ORDER = (
    "identity_",
    "bill_",
    "line_item_",
    "pricing_",
    "product",
    "discount",
    "resource_tags",
    "tags",
    "cost_category",
    "reservation_",
    "savings_plan_",
    "split_line_item_",
    "capacity_reservation_",
)


def _grouped_order(names: Sequence[str]) -> list[str]:
    """Column order by CUR group (identity, bill, line item...), alphabetical within a group."""

    def rank(name: str) -> tuple[int, str]:
        for i, prefix in enumerate(_GROUP_ORDER):
            if name.startswith(prefix):
                return i, name
        return len(_GROUP_ORDER), name

    return sorted(names, key=rank)


# --------------------------------------------------------------------------------------------
# The sample's world: accounts, projects, prices
# --------------------------------------------------------------------------------------------

PAYER_ACCOUNT_ID = "111122223333"
PAYER_ACCOUNT_NAME = "example-corp-management"
A_PROD = "444455556666"
A_DEV = "777788889999"
USAGE_ACCOUNT_IDS: tuple[str, ...] = (A_PROD, A_DEV)
ACCOUNT_NAMES = {A_PROD: "workloads-prod", A_DEV: "workloads-research"}
REGION = "us-east-1"
LOCATION = "US East (N. Virginia)"
AWS_INC = "Amazon Web Services, Inc."
MARKETPLACE = "AWS Marketplace"
MP_PRODUCT_CODE = "c2x9z8kq1w3e4r5t6y7u8i9o0"
MP_PRODUCT_NAME = "Claude Sonnet 4.6 (Amazon Bedrock Edition)"
EDP_RATE = 0.05
TAX_RATE = 0.06

BEDROCK_PRODUCT_CODES: tuple[str, ...] = (
    "AmazonBedrock",
    "AmazonBedrockService",
    "AmazonBedrockFoundationModels",
    "AmazonBedrockAgentCore",
)

_TAG_KEYS = ("user_application", "user_environment", "user_team", "user_cost_center", "user_owner")
#: resource_tags key -> the tag key as the user wrote it (used under ``resourceTags/`` in tags).
_ORIGINAL_TAG_KEY = {
    "user_application": "Application",
    "user_environment": "Environment",
    "user_team": "Team",
    "user_cost_center": "CostCenter",
    "user_owner": "Owner",
}


@dataclass(frozen=True)
class _Project:
    name: str
    project_id: str
    account: str
    application: str
    environment: str
    team: str
    cost_center: str
    owner: str
    principal: str

    @property
    def arn(self) -> str:
        return f"arn:aws:bedrock-mantle:{REGION}:{self.account}:project/{self.project_id}"

    @property
    def tags(self) -> dict[str, str]:
        return {
            "user_application": self.application,
            "user_environment": self.environment,
            "user_team": self.team,
            "user_cost_center": self.cost_center,
            "user_owner": self.owner,
        }


CHATBOT_PROD = _Project(
    name="CustomerChatbot-Prod",
    project_id="proj_4k9x2m7q",
    account=A_PROD,
    application="CustomerChatbot",
    environment="Production",
    team="CustomerExperience",
    cost_center="CC-1001",
    owner="alice",
    principal=f"arn:aws:sts::{A_PROD}:assumed-role/ChatbotProdRole/chatbot-prod-task",
)
CHATBOT_DEV = replace(
    CHATBOT_PROD,
    name="CustomerChatbot-Dev",
    project_id="proj_8h3n5r1t",
    account=A_DEV,
    environment="Development",
    owner="bob",
    principal=f"arn:aws:iam::{A_DEV}:user/bob",
)
EXPERIMENTS = _Project(
    name="Experiments-Research",
    project_id="proj_2w6v9c4z",
    account=A_DEV,
    application="Experiments",
    environment="Production",
    team="PlatformEngineering",
    cost_center="CC-2002",
    owner="carol",
    principal=f"arn:aws:iam::{A_DEV}:user/carol",
)
DATA_ANALYTICS = _Project(
    name="DataAnalytics-Prod",
    project_id="proj_7b1y3f8s",
    account=A_PROD,
    application="DataAnalytics",
    environment="Production",
    team="DataScience",
    cost_center="CC-3003",
    owner="dave",
    principal=f"arn:aws:sts::{A_PROD}:assumed-role/DataScienceNotebookRole/dave",
)
PROJECTS: tuple[_Project, ...] = (CHATBOT_PROD, CHATBOT_DEV, EXPERIMENTS, DATA_ANALYTICS)


def default_project_arn(account: str) -> str:
    return f"arn:aws:bedrock-mantle:{REGION}:{account}:project/default"


_BR = f"arn:aws:bedrock:{REGION}"
TAGGED_PROFILE_ARN = f"{_BR}:{A_PROD}:application-inference-profile/a1b2c3d4e5f6"
UNTAGGED_PROFILE_ARN = f"{_BR}:{A_DEV}:application-inference-profile/z9y8x7w6v5u4"
PROVISIONED_ARN = f"{_BR}:{A_DEV}:provisioned-model/pm123"
CUSTOM_MODEL_ARN = f"{_BR}:{A_DEV}:custom-model/amazon.nova-pro-v1:0:300k/cm7x2q9w4e1r"


@dataclass(frozen=True)
class _Model:
    name: str  # product['model']
    provider: str
    code: str  # model part of the usage type
    product_code: str
    unit: str  # pricing unit
    per: int  # tokens per pricing unit
    prices: Mapping[str, float]  # token kind -> USD per pricing unit
    mantle: bool = False  # served through the Projects (Mantle) endpoint
    family_from_day: int = 1  # older-style lines (no product family) before this day


NOVA_PRO = _Model(
    name="Amazon Nova Pro",
    provider="Amazon",
    code="NovaPro",
    product_code="AmazonBedrock",
    unit="1K tokens",
    per=1000,
    prices={"input": 0.0008, "output": 0.0032},
)
CLAUDE = _Model(
    name="Claude Sonnet 4.6",
    provider="Anthropic",
    code="Claude4.6Sonnet",
    product_code="AmazonBedrock",
    unit="1K tokens",
    per=1000,
    prices={"input": 0.003, "output": 0.015, "cache-read": 0.0003, "cache-write": 0.00375},
)
LLAMA = _Model(
    name="Llama 3.3 70B Instruct",
    provider="Meta",
    code="Llama3.3-70B",
    product_code="AmazonBedrockFoundationModels",
    unit="1M tokens",
    per=1_000_000,
    prices={"input": 0.72, "output": 0.72},
    family_from_day=8,
)
GPT_OSS = _Model(
    name="gpt-oss-120b",
    provider="OpenAI",
    code="gpt-oss-120b",
    product_code="AmazonBedrockFoundationModels",
    unit="1M tokens",
    per=1_000_000,
    prices={"input": 0.15, "output": 0.60},
    mantle=True,
    family_from_day=8,
)
STREAMING = "InvokeModelStreamingInference"
MP_SELLER = "Anthropic, PBC"

_KIND = {
    # kind: (usage type suffix, product inference_type, description noun)
    "input": ("input-tokens", "Input tokens", "input tokens"),
    "output": ("output-tokens", "Output tokens", "output tokens"),
    "cache-read": ("cache-read-input-token-count", "Cache read input tokens", "cache read tokens"),
    "cache-write": ("cache-write-input-token-count", "Cache write input tokens", "cache writes"),
}


# --------------------------------------------------------------------------------------------
# Streams: one resource x usage type x account, generating hourly (or daily) line items
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stream:
    account: str
    product_code: str
    usage_type: str
    operation: str
    resource_id: str | None
    unit: str
    rate: float  # USD per usage unit
    mean: float  # mean raw quantity per active slot
    per: float = 1.0  # raw quantity per usage unit (tokens per 1K / 1M, ...)
    p: float = 1.0  # probability that a slot has usage
    slot: str = "hour"  # hour | day | month
    days: tuple[int, int] | None = None  # active days of the month, inclusive, 1-based
    sigma: float = 0.5  # spread of the quantity (lognormal)
    diurnal: bool = True
    integer: bool = True  # raw quantity is a whole number (tokens, requests)
    prorate: bool = False  # a monthly quantity (GB-Mo, Month) spread over the month's slots
    entity: str = "AWS"
    legal_entity: str = AWS_INC
    family: str | None = "Amazon Bedrock"
    family_from_day: int = 1  # product_product_family is NULL before this day
    servicecode: str | None = None
    product: Mapping[str, str] = field(default_factory=dict)
    model_from_day: int = 1  # product['model'] is absent before this day
    tags: Mapping[str, str] | None = None  # resource_tags; None -> NULL
    tag_mode: str = "plain"  # plain | messy-cc | default
    principal: str | None = None
    team: str | None = None  # iamPrincipal/team
    description: str = ""
    line_item_type: str = "Usage"
    bill_type: str = "Anniversary"
    tax_type: str | None = None
    fixed_cost: float | None = None  # one-off lines (tax, credit, refund)
    discountable: bool = True  # EDP applies
    region: str | None = REGION
    availability_zone: str | None = None
    instance_type: str | None = None
    instance_family: str | None = None
    normalization_factor: float | None = None
    empty_resource_id: bool = False  # "" instead of NULL when there is no resource


def _bedrock_product(model: _Model, kind: str) -> dict[str, str]:
    return {
        "product_name": "Amazon Bedrock",
        "servicename": "Amazon Bedrock",
        "provider": model.provider,
        "model": model.name,
        "inference_type": _KIND[kind][1],
        "feature": "On-demand Inference",
        "region": REGION,
    }


def _token_stream(
    model: _Model,
    kind: str,
    resource_id: str,
    account: str,
    mean_tokens: float,
    p: float,
    tags: Mapping[str, str] | None,
) -> _Stream:
    """Hourly first-party token usage of one model and token kind on one resource."""
    suffix = _KIND[kind][0]
    if model.mantle:
        suffix = f"mantle-{suffix}-standard"
    price = model.prices[kind]
    return _Stream(
        account=account,
        product_code=model.product_code,
        usage_type=f"USE1-{model.code}-{suffix}",
        operation="InvokeModelInference",
        resource_id=resource_id,
        unit=model.unit,
        rate=price,
        mean=mean_tokens,
        per=model.per,
        p=p,
        product=_bedrock_product(model, kind),
        family_from_day=model.family_from_day,
        tags=tags,
        description=f"${price:g} per {model.unit} ({_KIND[kind][2]}) for {model.name} "
        f"in {LOCATION}",
    )


def _marketplace_stream(
    kind: str,
    resource_id: str,
    account: str,
    mean_tokens: float,
    p: float,
    tags: Mapping[str, str] | None,
) -> _Stream:
    """Hourly Claude usage billed by AWS Marketplace (1 unit = 1K tokens)."""
    word = "Input" if kind == "input" else "Output"
    return _Stream(
        account=account,
        product_code=MP_PRODUCT_CODE,
        usage_type=f"USE1-MP:USE1_{word}TokenCount-Units",
        operation="Usage",
        resource_id=resource_id,
        unit="Units",
        rate=CLAUDE.prices[kind],
        mean=mean_tokens,
        per=1000,
        p=p,
        entity=MARKETPLACE,
        legal_entity=MP_SELLER,
        family=None,
        product={
            "product_name": MP_PRODUCT_NAME,
            "servicename": MP_PRODUCT_NAME,
            "provider": "Anthropic",
            "model": CLAUDE.name,
            "inference_type": _KIND[kind][1],
            "region": REGION,
        },
        model_from_day=10,
        tags=tags,
        description=f"{MP_PRODUCT_NAME} USE1_{word}TokenCount",
        discountable=False,
    )


def _usage_streams() -> list[_Stream]:
    s: list[_Stream] = []

    def tok(model: _Model, kind: str, pr: _Project, mean: float, p: float, **kw: Any) -> None:
        stream = _token_stream(model, kind, pr.arn, pr.account, mean, p, pr.tags)
        s.append(replace(stream, principal=pr.principal, team=pr.team, **kw))

    def mp(kind: str, pr: _Project, mean: float, p: float) -> None:
        stream = _marketplace_stream(kind, pr.arn, pr.account, mean, p, pr.tags)
        s.append(replace(stream, principal=pr.principal, team=pr.team))

    cp, cd, ex, da = CHATBOT_PROD, CHATBOT_DEV, EXPERIMENTS, DATA_ANALYTICS
    # CustomerChatbot-Prod: Claude with prompt caching, Nova Pro, Claude via Marketplace.
    tok(CLAUDE, "input", cp, 600_000, 0.9, operation=STREAMING)
    tok(CLAUDE, "output", cp, 90_000, 0.9, operation=STREAMING)
    tok(CLAUDE, "cache-read", cp, 1_500_000, 0.8, operation=STREAMING)
    tok(CLAUDE, "cache-write", cp, 120_000, 0.5, operation=STREAMING)
    tok(NOVA_PRO, "input", cp, 300_000, 0.3)
    tok(NOVA_PRO, "output", cp, 60_000, 0.3)
    mp("input", cp, 250_000, 0.5)
    mp("output", cp, 40_000, 0.5)
    # CustomerChatbot-Dev: gpt-oss through the Projects (Mantle) endpoint.
    tok(NOVA_PRO, "input", cd, 80_000, 0.25)
    tok(NOVA_PRO, "output", cd, 20_000, 0.25)
    tok(GPT_OSS, "input", cd, 400_000, 0.2)
    tok(GPT_OSS, "output", cd, 100_000, 0.2)
    mp("input", cd, 50_000, 0.15)
    mp("output", cd, 10_000, 0.15)
    # Experiments-Research: the cost center is sometimes written " CC-2002 ".
    tok(LLAMA, "input", ex, 500_000, 0.3, tag_mode="messy-cc")
    tok(LLAMA, "output", ex, 150_000, 0.3, tag_mode="messy-cc")
    tok(GPT_OSS, "input", ex, 800_000, 0.4, tag_mode="messy-cc")
    tok(GPT_OSS, "output", ex, 250_000, 0.4, tag_mode="messy-cc")
    tok(CLAUDE, "input", ex, 200_000, 0.2, tag_mode="messy-cc")
    tok(CLAUDE, "output", ex, 40_000, 0.2, tag_mode="messy-cc")
    tok(CLAUDE, "cache-read", ex, 400_000, 0.2, tag_mode="messy-cc")
    tok(CLAUDE, "cache-write", ex, 60_000, 0.1, tag_mode="messy-cc")
    # DataAnalytics-Prod.
    tok(NOVA_PRO, "input", da, 900_000, 0.7)
    tok(NOVA_PRO, "output", da, 150_000, 0.7)
    tok(LLAMA, "input", da, 1_000_000, 0.3)
    tok(LLAMA, "output", da, 200_000, 0.3)

    # Default project (requests without a project id): no tags. Per row the map is NULL, {}
    # or {"user_cost_center": ""}; the callers' IAM principals carry a team tag only.
    frank = f"arn:aws:iam::{A_PROD}:user/frank"
    erin = f"arn:aws:sts::{A_DEV}:assumed-role/ResearchSandboxRole/erin"
    dflt: dict[str, Any] = {"tag_mode": "default"}
    prod_default = {"principal": frank, "team": "Marketing", **dflt}
    dev_default = {"principal": erin, "team": "PlatformEngineering", **dflt}
    for kind, mean in (("input", 200_000), ("output", 40_000)):
        st = _token_stream(NOVA_PRO, kind, default_project_arn(A_PROD), A_PROD, mean, 0.3, None)
        s.append(replace(st, **prod_default))
    for kind, mean in (("input", 300_000), ("output", 80_000)):
        st = _token_stream(GPT_OSS, kind, default_project_arn(A_DEV), A_DEV, mean, 0.25, None)
        s.append(replace(st, **dev_default))
    for acct, who, p in ((A_PROD, prod_default, 0.2), (A_DEV, dev_default, 0.1)):
        for kind, mean in (("input", 100_000), ("output", 20_000)):
            st = _marketplace_stream(kind, default_project_arn(acct), acct, mean, p, None)
            # These Marketplace lines never carry a model key.
            s.append(replace(st, model_from_day=99, **who))

    # Application inference profile tagged CostCenter CC-3003, Application DataAnalytics.
    aip_tags = {"user_cost_center": "CC-3003", "user_application": "DataAnalytics"}
    etl = f"arn:aws:sts::{A_PROD}:assumed-role/DataScienceBatchRole/etl-job"
    for kind, mean in (("input", 300_000), ("output", 50_000)):
        st = _token_stream(CLAUDE, kind, TAGGED_PROFILE_ARN, A_PROD, mean, 0.5, aip_tags)
        s.append(replace(st, principal=etl, team="DataScience"))
    # A second application inference profile that nobody tagged (empty map).
    grace = f"arn:aws:iam::{A_DEV}:user/grace"
    for kind, mean in (("input", 150_000), ("output", 30_000)):
        st = _token_stream(NOVA_PRO, kind, UNTAGGED_PROFILE_ARN, A_DEV, mean, 0.15, {})
        s.append(replace(st, principal=grace, team="DataScience"))
    # Provisioned throughput, tagged CC-2002, running for five days (no principal).
    s.append(
        _Stream(
            account=A_DEV,
            product_code="AmazonBedrock",
            usage_type="USE1-NovaPro-ProvisionedThroughput-ModelUnits",
            operation="ProvisionedThroughput",
            resource_id=PROVISIONED_ARN,
            unit="ModelUnit-Hours",
            rate=6.75,
            mean=1.0,
            days=(13, 17),
            sigma=0.0,
            diurnal=False,
            product={
                **_bedrock_product(NOVA_PRO, "input"),
                "inference_type": "Provisioned throughput",
                "feature": "Provisioned Throughput",
            },
            tags={
                "user_cost_center": "CC-2002",
                "user_team": "PlatformEngineering",
                "user_application": "Experiments",
            },
            description=f"$6.75 per model unit-hour of {NOVA_PRO.name} provisioned throughput",
        )
    )
    # Custom model storage: untagged (NULL map), older style (no product family), daily.
    s.append(
        _Stream(
            account=A_DEV,
            product_code="AmazonBedrockService",
            usage_type="USE1-CustomModelStorage-NovaPro",
            operation="CustomModelStorage",
            resource_id=CUSTOM_MODEL_ARN,
            unit="Month",
            rate=1.95,
            mean=1.0,
            slot="day",
            sigma=0.0,
            diurnal=False,
            integer=False,
            prorate=True,
            family=None,
            product={
                "product_name": "Amazon Bedrock",
                "servicename": "Amazon Bedrock",
                "feature": "Custom Model Storage",
                "region": REGION,
            },
            description="$1.95 per custom model per month of storage",
        )
    )
    s.extend(_other_service_streams())
    return s


def _other_service_streams() -> list[_Stream]:
    """EC2, S3 and Lambda: tagged like the Bedrock workloads, never part of a statement."""
    chatbot = CHATBOT_PROD.tags
    research = {"user_cost_center": "CC-2002", "user_team": "PlatformEngineering"}
    ec2 = _Stream(
        account=A_PROD,
        product_code="AmazonEC2",
        usage_type="BoxUsage:m5.xlarge",
        operation="RunInstances",
        resource_id=None,
        unit="Hrs",
        rate=0.192,
        mean=1.0,
        sigma=0.0,
        diurnal=False,
        family="Compute Instance",
        availability_zone="us-east-1a",
        instance_type="m5.xlarge",
        instance_family="General purpose",
        normalization_factor=8.0,
        tags=chatbot,
        description="$0.192 per On Demand Linux m5.xlarge Instance Hour",
    )
    out = [replace(ec2, resource_id=i) for i in ("i-0a1b2c3d4e5f60718", "i-0f9e8d7c6b5a40392")]
    out.append(
        replace(
            ec2,
            account=A_DEV,
            usage_type="BoxUsage:t3.large",
            resource_id="i-03c4d5e6f7a8b9c0d",
            rate=0.0832,
            p=0.7,
            instance_type="t3.large",
            normalization_factor=4.0,
            tags=research,
            description="$0.0832 per On Demand Linux t3.large Instance Hour",
        )
    )
    ebs = replace(
        ec2,
        usage_type="EBS:VolumeUsage.gp3",
        operation="CreateVolume-Gp3",
        unit="GB-Mo",
        rate=0.08,
        mean=100.0,
        integer=False,
        prorate=True,
        family="Storage",
        instance_type=None,
        instance_family=None,
        normalization_factor=None,
        description="$0.08 per GB-month of General Purpose (gp3) provisioned storage",
    )
    out += [replace(ebs, resource_id=v) for v in ("vol-0123456789abcdef0", "vol-0fedcba98765432")]
    lam = _Stream(
        account=A_PROD,
        product_code="AWSLambda",
        usage_type="USE1-Request",
        operation="Invoke",
        resource_id=None,
        unit="Requests",
        rate=0.0000002,
        mean=3000,
        p=0.6,
        family="Serverless",
        description="AWS Lambda - Total Requests - US East (N. Virginia)",
    )
    # The router's name contains "bedrock": resource ids are no way to find Bedrock lines.
    for acct, fn, tags in (
        (A_PROD, "bedrock-chatbot-router", chatbot),
        (A_DEV, "research-ingest", research),
    ):
        fn_arn = f"arn:aws:lambda:{REGION}:{acct}:function:{fn}"
        fn_lam = replace(lam, account=acct, tags=tags, resource_id=fn_arn)
        out.append(fn_lam)
        out.append(
            replace(
                fn_lam,
                usage_type="USE1-Lambda-GB-Second",
                unit="Lambda-GB-Second",
                rate=0.0000166667,
                mean=9000,
                integer=False,
                description="AWS Lambda - Total Compute - US East (N. Virginia)",
            )
        )
    s3 = _Stream(
        account=A_PROD,
        product_code="AmazonS3",
        usage_type="TimedStorage-ByteHrs",
        operation="StandardStorage",
        resource_id=None,
        unit="GB-Mo",
        rate=0.023,
        mean=45.0,
        slot="day",
        sigma=0.1,
        diurnal=False,
        integer=False,
        prorate=True,
        family="Storage",
        description="$0.023 per GB - first 50 TB / month of storage used",
    )
    for acct, bucket, s3_tags in (
        (A_PROD, "chatbot-transcripts-444455556666", chatbot),
        (A_DEV, "research-datasets-777788889999", None),
    ):
        storage = replace(s3, account=acct, resource_id=bucket, tags=s3_tags)
        out.append(storage)
        out.append(
            replace(
                storage,
                usage_type="Requests-Tier1",
                operation="PutObject",
                unit="Requests",
                rate=0.000005,
                mean=1200,
                p=0.3,
                slot="hour",
                sigma=0.5,
                integer=True,
                prorate=False,
                family="API Request",
                description="$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
            )
        )
    return out


def _one_off_streams(costs: Mapping[str, float]) -> list[_Stream]:
    """Tax, credit and refund lines (month-long, no resource), amounts from the month's usage."""
    tax = _Stream(
        account=A_PROD,
        product_code="AmazonBedrock",
        usage_type="",
        operation="",
        resource_id=None,
        unit="",
        rate=0.0,
        mean=0.0,
        slot="month",
        line_item_type="Tax",
        tax_type="USSalesTax",
        discountable=False,
        family=None,
        region=None,
        description="Tax for product code AmazonBedrock",
    )
    out = [
        replace(tax, account=a, fixed_cost=round(TAX_RATE * costs[f"bedrock:{a}"], 2))
        for a in USAGE_ACCOUNT_IDS
    ]
    out.append(
        replace(
            tax,
            product_code=MP_PRODUCT_CODE,
            fixed_cost=round(TAX_RATE * costs[f"marketplace:{A_PROD}"], 2),
            entity=MARKETPLACE,
            legal_entity=MP_SELLER,
            empty_resource_id=True,
            product={"product_name": MP_PRODUCT_NAME},
            description=f"Tax for product {MP_PRODUCT_NAME}",
        )
    )
    out.append(
        replace(
            tax,
            product_code="AmazonEC2",
            fixed_cost=round(TAX_RATE * costs[f"other:{A_PROD}"], 2),
            description="Tax for product code AmazonEC2",
        )
    )
    credit = replace(tax, line_item_type="Credit", tax_type=None)
    out.append(
        replace(
            credit,
            account=A_DEV,
            empty_resource_id=True,
            fixed_cost=-150.0,
            description="AWS Credits - Generative AI promotional credit",
        )
    )
    out.append(
        replace(
            credit,
            line_item_type="Refund",
            bill_type="Refund",
            fixed_cost=-12.48,
            description="Refund for duplicate Amazon Bedrock charges",
        )
    )
    return out


# --------------------------------------------------------------------------------------------
# Row generation
# --------------------------------------------------------------------------------------------

_MS_HOUR = 3_600_000
_MS_DAY = 24 * _MS_HOUR
_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
BOOL = npt.NDArray[np.bool_]
OBJ = npt.NDArray[np.object_]
_NONE = np.array(None, dtype=object)


def _period_bounds(period: str) -> tuple[datetime, datetime]:
    m = _PERIOD_RE.match(period)
    if not m:
        raise ValueError(f"period must look like YYYY-MM, got {period!r}")
    year, month = int(m.group(1)), int(m.group(2))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _ms(d: datetime) -> int:
    return int(d.timestamp()) * 1000


@dataclass
class _Slots:
    """Line items of all streams, one entry per row, in generation order."""

    stream: I64
    start: I64  # epoch ms
    end: I64
    raw: F64  # raw quantity (tokens, hours...)


def _generate_slots(
    streams: Sequence[_Stream], start: datetime, end: datetime, rng: np.random.Generator
) -> _Slots:
    p0, p1 = _ms(start), _ms(end)
    hours = (p1 - p0) // _MS_HOUR
    ndays = hours // 24
    hour_start = p0 + np.arange(hours, dtype=np.int64) * _MS_HOUR
    hod = np.arange(hours) % 24
    weekday = (start.weekday() + np.arange(hours) // 24) % 7
    # Usage peaks in US business hours (UTC 13-22) and drops at weekends.
    w_hour = 0.3 + 0.7 * np.exp(-0.5 * ((hod - 17.5) / 4.0) ** 2)
    w_hour = w_hour * np.where(weekday >= 5, 0.5, 1.0)
    w_hour = w_hour / w_hour.mean()
    day_weekday = (start.weekday() + np.arange(ndays)) % 7
    w_day = np.where(day_weekday >= 5, 0.5, 1.0)
    w_day = w_day / w_day.mean()

    parts: list[tuple[I64, I64, I64, F64]] = []
    for i, st in enumerate(streams):
        if st.slot == "month":
            n = 1
            s_start = np.array([p0], dtype=np.int64)
            s_end = np.array([p1], dtype=np.int64)
            raw = np.zeros(1)
        else:
            step = _MS_HOUR if st.slot == "hour" else _MS_DAY
            slot_start = hour_start if st.slot == "hour" else p0 + np.arange(ndays) * _MS_DAY
            weight = w_hour if st.slot == "hour" else w_day
            if not st.diurnal:
                weight = np.ones_like(weight)
            day_of = (slot_start - p0) // _MS_DAY + 1
            window = np.ones(len(slot_start), dtype=bool)
            if st.days is not None:
                window = (day_of >= st.days[0]) & (day_of <= st.days[1])
            active = window & (rng.random(len(slot_start)) < np.clip(st.p * weight, 0.0, 1.0))
            s_start = slot_start[active]
            s_end = s_start + step
            noise = (
                rng.lognormal(-0.5 * st.sigma**2, st.sigma, len(s_start))
                if st.sigma > 0
                else np.ones(len(s_start))
            )
            raw = st.mean * weight[active] * noise
            if st.prorate:
                raw = raw / len(slot_start)
            if st.integer:
                raw = np.maximum(1.0, np.round(raw))
            n = len(s_start)
        parts.append((np.full(n, i, dtype=np.int64), s_start, s_end, raw))
    return _Slots(
        stream=np.concatenate([p[0] for p in parts]),
        start=np.concatenate([p[1] for p in parts]),
        end=np.concatenate([p[2] for p in parts]),
        raw=np.concatenate([p[3] for p in parts]).astype(np.float64),
    )


def _attr(streams: Sequence[_Stream], get: Callable[[_Stream], Any], sidx: I64) -> pa.Array:
    """A per-row string column: one value per stream, taken by each row's stream index."""
    return pa.array([get(s) for s in streams], type=STR).take(pa.array(sidx))


def _str_column(values: OBJ) -> pa.Array:
    return pa.array(values, type=STR, from_pandas=True)


def _map_column(
    keys: Sequence[str], values: OBJ, null_rows: BOOL, item_type: pa.DataType
) -> pa.Array:
    """MapArray from an (n x k) array of values; None means "key absent"; whole rows may be NULL."""
    n = values.shape[0]
    if len(keys) == 0:
        present = np.zeros((n, 0), dtype=bool)
    else:
        present = np.not_equal(values, _NONE)
        present &= ~null_rows[:, None]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(present.sum(axis=1), out=offsets[1:])
    key_arr = np.broadcast_to(np.asarray(keys, dtype=object), (n, len(keys)))[present]
    items = values[present]
    return pa.MapArray.from_arrays(
        pa.array(offsets, type=pa.int32()),
        pa.array(key_arr, type=STR),
        pa.array(items, type=item_type),
        type=pa.map_(STR, item_type),
        mask=pa.array(null_rows, type=pa.bool_()),
    )


def _line_item_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """52-character lowercase base32 ids like AWS's, random but fixed by the seed."""
    alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)
    chars = alphabet[rng.integers(0, 32, size=(n, 52))]
    raw = np.ascontiguousarray(chars).view("S52").ravel()
    return pa.array(raw, type=pa.binary()).cast(STR)


def _fmt_rate(rate: float) -> str:
    return f"{rate:.10f}"


def _sku(text: str) -> str:
    """A stable 16-character SKU for a product (same in every period and seed)."""
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def bedrock_sample_rows(period: str = "2026-10", seed: int = 7) -> pa.Table:
    """One month of CUR 2.0 rows (all columns of :data:`CUR2_COLUMNS`), sorted by usage start."""
    start, end = _period_bounds(period)
    rng = np.random.default_rng([seed, 0])
    usage = _usage_streams()
    slots = _generate_slots(usage, start, end, rng)

    # Costs of usage lines, then the tax / credit / refund lines that depend on them.
    rate_u = np.array([s.rate for s in usage])[slots.stream]
    per_u = np.array([s.per for s in usage])[slots.stream]
    amount_u = np.round(slots.raw / per_u, 10)
    cost_u = np.round(amount_u * rate_u, 10)
    code_u = np.array([s.product_code for s in usage], dtype=object)[slots.stream]
    entity_u = np.array([s.entity for s in usage], dtype=object)[slots.stream]
    acct_u = np.array([s.account for s in usage], dtype=object)[slots.stream]
    bedrock_u = np.isin(code_u, BEDROCK_PRODUCT_CODES)
    totals: dict[str, float] = {}
    for acct in USAGE_ACCOUNT_IDS:
        mine = acct_u == acct
        totals[f"bedrock:{acct}"] = float(cost_u[mine & bedrock_u].sum())
        totals[f"marketplace:{acct}"] = float(cost_u[mine & (entity_u == MARKETPLACE)].sum())
        totals[f"other:{acct}"] = float(cost_u[mine & ~bedrock_u & (entity_u != MARKETPLACE)].sum())
    one_off = _one_off_streams(totals)
    streams = [*usage, *one_off]
    n_off = len(one_off)
    sidx = np.concatenate([slots.stream, np.arange(len(usage), len(streams), dtype=np.int64)])
    p0, p1 = _ms(start), _ms(end)
    t_start = np.concatenate([slots.start, np.full(n_off, p0, dtype=np.int64)])
    t_end = np.concatenate([slots.end, np.full(n_off, p1, dtype=np.int64)])
    amount = np.concatenate([amount_u, np.zeros(n_off)])
    cost = np.concatenate([cost_u, np.array([s.fixed_cost or 0.0 for s in one_off])])
    n = len(sidx)

    def per_stream(get: Callable[[_Stream], Any], dtype: Any = object) -> npt.NDArray[Any]:
        out: npt.NDArray[Any] = np.array([get(s) for s in streams], dtype=dtype)[sidx]
        return out

    discountable = per_stream(lambda s: s.discountable and s.line_item_type == "Usage", bool)
    entity = per_stream(lambda s: s.entity)
    mp = entity == MARKETPLACE
    day_of = (t_start - p0) // _MS_DAY + 1
    is_usage = per_stream(lambda s: s.line_item_type == "Usage", bool)

    # Discounts: 5% EDP on AWS-billed usage only.
    edp = np.where(discountable, np.round(-EDP_RATE * cost, 10), 0.0)
    net = np.round(cost + edp, 10)
    disc_null = mp  # Marketplace rows carry no discount map at all
    discount = _map_column(
        ["edp_discount"],
        np.where(discountable, edp.astype(object), _NONE).reshape(n, 1),
        disc_null,
        DBL,
    )
    total_discount = pa.array(np.where(mp, np.nan, edp), type=DBL, from_pandas=True)

    # resource_tags: per-stream values, then the row-level mess.
    tag_vals = np.array(
        [[(s.tags or {}).get(k) for k in _TAG_KEYS] for s in streams], dtype=object
    )[sidx]
    tags_null = per_stream(lambda s: s.tags is None, bool)
    mode = per_stream(lambda s: s.tag_mode)
    cc = _TAG_KEYS.index("user_cost_center")
    messy = (mode == "messy-cc") & (rng.random(n) < 0.2)
    tag_vals[messy, cc] = " CC-2002 "
    default = mode == "default"
    pick = rng.random(n)
    tags_null = np.where(default, pick < 0.5, tags_null)  # half NULL, the rest {} ...
    empty_cc = default & (pick >= 0.92)  # ... and ~8% {"user_cost_center": ""}
    tag_vals[empty_cc, cc] = ""
    resource_tags = _map_column(_TAG_KEYS, tag_vals, tags_null, STR)

    # cost_category: a BusinessUnit for the production account, empty elsewhere.
    account = per_stream(lambda s: s.account)
    bu = np.where(account == A_PROD, np.array("Digital", dtype=object), _NONE).reshape(n, 1)
    cost_category = _map_column(["BusinessUnit"], bu, np.zeros(n, dtype=bool), STR)

    # tags (newer): prefixed resource tags, IAM principal tags and cost categories.
    principal = per_stream(lambda s: s.principal)
    team = per_stream(lambda s: s.team)
    rt_vals = np.where(tags_null[:, None], None, tag_vals)
    t_keys = [f"resourceTags/{_ORIGINAL_TAG_KEY[k]}" for k in _TAG_KEYS]
    t_keys += ["iamPrincipal/team", "costCategory/BusinessUnit"]
    t_vals = np.concatenate([rt_vals, team.reshape(n, 1), bu], axis=1)
    tags = _map_column(t_keys, t_vals, np.zeros(n, dtype=bool), STR)

    # product map; Marketplace rows early in the month lack the model key.
    p_keys = sorted({k for s in streams for k in s.product})
    p_vals = np.array([[s.product.get(k) for k in p_keys] for s in streams], dtype=object)[sidx]
    no_model = day_of < per_stream(lambda s: s.model_from_day, np.int64)
    p_vals[no_model, p_keys.index("model")] = None
    product = _map_column(p_keys, p_vals, np.zeros(n, dtype=bool), STR)

    family = per_stream(lambda s: s.family)
    family[day_of < per_stream(lambda s: s.family_from_day, np.int64)] = None

    rid = per_stream(lambda s: s.resource_id)
    rid_empty = per_stream(lambda s: s.empty_resource_id, bool)
    rid[rid_empty] = ""

    invoice = np.where(mp, "1843209576", "EUINUS26-418273").astype(object)
    refund = per_stream(lambda s: s.bill_type == "Refund", bool)
    invoice[refund] = "EUCNUS26-004512"

    start_arr = pa.array(t_start, type=TIMESTAMP)
    end_arr = pa.array(t_end, type=TIMESTAMP)
    naive = pa.timestamp("s")
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    interval = pc.binary_join_element_wise(
        pc.strftime(pa.array(t_start // 1000, type=naive), format=fmt),
        pc.strftime(pa.array(t_end // 1000, type=naive), format=fmt),
        "/",
    )
    rate_str = _attr(
        streams, lambda s: _fmt_rate(s.rate) if s.line_item_type == "Usage" else "", sidx
    )
    net_rate_str = _attr(
        streams,
        lambda s: (
            _fmt_rate(s.rate * (1 - EDP_RATE) if s.discountable else s.rate)
            if s.line_item_type == "Usage"
            else ""
        ),
        sidx,
    )
    sku_arr = _attr(streams, lambda s: _sku(f"{s.product_code}|{s.usage_type}|{s.operation}"), sidx)
    rate_code = pc.binary_join_element_wise(sku_arr, pa.scalar("JRTCKXETXF.6YS6EN2CT7"), ".")
    norm = per_stream(lambda s: s.normalization_factor, np.float64)
    on_demand = pa.array(np.where(is_usage, cost, np.nan), type=DBL, from_pandas=True)

    cols: dict[str, pa.Array] = {
        "bill_bill_type": _attr(streams, lambda s: s.bill_type, sidx),
        "bill_billing_entity": _str_column(entity),
        "bill_billing_period_start_date": pa.array(np.full(n, p0), type=TIMESTAMP),
        "bill_billing_period_end_date": pa.array(np.full(n, p1), type=TIMESTAMP),
        "bill_invoice_id": _str_column(invoice),
        "bill_invoicing_entity": pa.array(np.full(n, AWS_INC, dtype=object), type=STR),
        "bill_payer_account_id": pa.array(np.full(n, PAYER_ACCOUNT_ID, dtype=object), type=STR),
        "bill_payer_account_name": pa.array(np.full(n, PAYER_ACCOUNT_NAME, dtype=object), type=STR),
        "cost_category": cost_category,
        "discount": discount,
        "discount_total_discount": total_discount,
        "identity_line_item_id": _line_item_ids(np.random.default_rng([seed, 1]), n),
        "identity_time_interval": interval,
        "line_item_availability_zone": _attr(streams, lambda s: s.availability_zone, sidx),
        "line_item_blended_cost": pa.array(cost, type=DBL),
        "line_item_blended_rate": rate_str,
        "line_item_currency_code": pa.array(np.full(n, "USD", dtype=object), type=STR),
        "line_item_iam_principal": _str_column(principal),
        "line_item_legal_entity": _attr(streams, lambda s: s.legal_entity, sidx),
        "line_item_line_item_description": _attr(streams, lambda s: s.description, sidx),
        "line_item_line_item_type": _attr(streams, lambda s: s.line_item_type, sidx),
        "line_item_net_unblended_cost": pa.array(net, type=DBL),
        "line_item_net_unblended_rate": net_rate_str,
        "line_item_normalization_factor": pa.array(norm, type=DBL, from_pandas=True),
        "line_item_normalized_usage_amount": pa.array(norm * amount, type=DBL, from_pandas=True),
        "line_item_operation": _attr(streams, lambda s: s.operation, sidx),
        "line_item_product_code": _attr(streams, lambda s: s.product_code, sidx),
        "line_item_resource_id": _str_column(rid),
        "line_item_tax_type": _attr(streams, lambda s: s.tax_type, sidx),
        "line_item_unblended_cost": pa.array(cost, type=DBL),
        "line_item_unblended_rate": rate_str,
        "line_item_usage_account_id": _str_column(account),
        "line_item_usage_account_name": _attr(streams, lambda s: ACCOUNT_NAMES[s.account], sidx),
        "line_item_usage_amount": pa.array(amount, type=DBL),
        "line_item_usage_end_date": end_arr,
        "line_item_usage_start_date": start_arr,
        "line_item_usage_type": _attr(streams, lambda s: s.usage_type, sidx),
        "pricing_currency": pa.array(np.full(n, "USD", dtype=object), type=STR),
        "pricing_public_on_demand_cost": on_demand,
        "pricing_public_on_demand_rate": rate_str,
        "pricing_rate_code": pc.if_else(pa.array(is_usage), rate_code, pa.scalar(None, STR)),
        "pricing_term": _str_column(np.where(is_usage, np.array("OnDemand", dtype=object), _NONE)),
        "pricing_unit": _attr(streams, lambda s: s.unit or None, sidx),
        "product": product,
        "product_instance_family": _attr(streams, lambda s: s.instance_family, sidx),
        "product_instance_type": _attr(streams, lambda s: s.instance_type, sidx),
        "product_location": _attr(streams, lambda s: LOCATION if s.region else None, sidx),
        "product_location_type": _attr(streams, lambda s: "AWS Region" if s.region else None, sidx),
        "product_operation": _attr(streams, lambda s: s.operation or None, sidx),
        "product_product_family": _str_column(family),
        "product_region_code": _attr(streams, lambda s: s.region, sidx),
        "product_servicecode": _attr(streams, lambda s: s.servicecode or s.product_code, sidx),
        "product_sku": pc.if_else(pa.array(is_usage), sku_arr, pa.scalar(None, STR)),
        "product_usagetype": _attr(streams, lambda s: s.usage_type or None, sidx),
        "resource_tags": resource_tags,
        "tags": tags,
    }
    schema = cur2_schema()
    arrays = [cols[f.name] if f.name in cols else pa.nulls(n, type=f.type) for f in schema]
    table = pa.Table.from_arrays(arrays, schema=schema)
    order = pc.sort_indices(
        table,
        sort_keys=[
            ("line_item_usage_start_date", "ascending"),
            ("identity_line_item_id", "ascending"),
        ],
    )
    return table.take(order)


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------

_PARQUET_OPTIONS: dict[str, Any] = {"compression": "snappy", "row_group_size": 1 << 20}


def _iso_z(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write_cur2_export(
    root: Path,
    period: str = "2026-10",
    seed: int = 7,
    export_name: str = "bedrock-cur2",
    files: int = 2,
    *,
    bucket: str = "example-cur-bucket",
    prefix: str = "exports",
) -> list[Path]:
    """Write one delivery of a CUR 2.0 export in the Data Exports S3 layout under ``root``.

    ``root/data/BILLING_PERIOD=P/EXPORT-0000N.snappy.parquet`` for N in 1..files (rows in usage
    order, split evenly), then ``root/metadata/BILLING_PERIOD=P/EXPORT-Manifest.json``. The
    first file lacks :data:`DRIFT_COLUMNS` and uses AWS's alphabetical column order; later
    files have every column, ordered by column group. Stale data files of the same export and
    period are removed first (like ``OVERWRITE_REPORT``). Returns the data files, in order.
    """
    if files < 1:
        raise ValueError("files must be at least 1")
    start, end = _period_bounds(period)
    table = bedrock_sample_rows(period, seed)
    root = Path(root)
    data_dir = root / "data" / f"BILLING_PERIOD={period}"
    meta_dir = root / "metadata" / f"BILLING_PERIOD={period}"
    data_dir.mkdir(parents=True, exist_ok=True)
    meta_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = meta_dir / f"{export_name}-Manifest.json"
    manifest_path.unlink(missing_ok=True)
    for stale in data_dir.glob(f"{export_name}-*.snappy.parquet"):
        stale.unlink()

    all_names = [n for n, _ in CUR2_COLUMNS]
    base_names = [n for n in all_names if n not in DRIFT_COLUMNS]
    bounds = np.linspace(0, table.num_rows, files + 1).round().astype(int)
    paths: list[Path] = []
    for i in range(files):
        names = base_names if i == 0 and files > 1 else _grouped_order(all_names)
        part = table.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i])).select(names)
        path = data_dir / f"{export_name}-{i + 1:05d}.snappy.parquet"
        pq.write_table(part, path, **_PARQUET_OPTIONS)
        paths.append(path)

    base = f"s3://{bucket}/{prefix}/{export_name}"
    execution_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}|{period}|{seed}|{files}"))
    export_id = uuid.uuid5(uuid.NAMESPACE_URL, base)
    types = dict(CUR2_COLUMNS)
    manifest = {
        "executionId": execution_id,
        "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{PAYER_ACCOUNT_ID}:export/"
        f"{export_name}-{export_id}",
        "exportName": export_name,
        "billingPeriod": {"start": _iso_z(start), "end": _iso_z(end)},
        "bucket": bucket,
        "reportKeyPrefix": f"{prefix}/{export_name}",
        "format": "PARQUET",
        "compression": "SNAPPY",
        "dataFiles": [f"{base}/data/BILLING_PERIOD={period}/{p.name}" for p in paths],
        "columns": [{"name": n, "type": athena_type(types[n])} for n in all_names],
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return paths


def _legacy_name(prefix: str, key: str) -> str:
    """Legacy CUR column name for a map key: snake case, non-alphanumerics to '_'."""
    k = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key)
    k = re.sub(r"[^0-9A-Za-z]+", "_", k).strip("_").lower()
    return f"{prefix}_{k}"


def to_legacy_table(table: pa.Table) -> pa.Table:
    """The same rows shaped like legacy CUR Parquet: map columns flattened, one per key.

    ``resource_tags['user_cost_center']`` -> ``resource_tags_user_cost_center``,
    ``product['model']`` -> ``product_model`` (a static ``product_*`` column of the same name
    wins), ``cost_category`` and ``discount`` likewise. ``tags`` and
    ``line_item_iam_principal`` (CUR 2.0 only) are dropped.
    """
    prefixes = ("resource_tags", "product", "cost_category", "discount")
    keep = [
        n
        for n in table.column_names
        if not pa.types.is_map(table.schema.field(n).type) and n not in ("line_item_iam_principal",)
    ]
    out = table.select(keep)
    for prefix in prefixes:
        col = prefix
        if col not in table.column_names:
            continue
        arr = table.column(col).combine_chunks()
        entries = pa.struct([("key", arr.type.key_type), ("value", arr.type.item_type)])
        flat = pc.list_flatten(arr.cast(pa.list_(entries)))  # MapArray.keys ignores slicing
        keys = pc.unique(flat.field("key")).to_pylist()
        for key in sorted(k for k in keys if k is not None):
            name = _legacy_name(prefix, key) if col != "resource_tags" else f"{prefix}_{key}"
            if name in out.column_names:
                continue
            out = out.append_column(name, pc.map_lookup(arr, key, "first"))
    return out


def write_legacy_cur(
    root: Path,
    table: pa.Table,
    path_parts: Sequence[str] = ("year=2026", "month=10"),
    name: str = "bedrock-legacy-00001",
) -> Path:
    """Write ``table`` as legacy CUR Parquet: ``root/year=YYYY/month=M/NAME.snappy.parquet``."""
    folder = Path(root).joinpath(*path_parts)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.snappy.parquet"
    pq.write_table(to_legacy_table(table), path, **_PARQUET_OPTIONS)
    return path
