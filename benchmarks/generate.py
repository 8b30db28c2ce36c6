"""A synthetic CUR 2.0 export at the scale of a large organization, for benchmarks.

Writes ``OUT/data/BILLING_PERIOD=YYYY-MM/EXPORT-0000N.snappy.parquet``: N rows over the full
CUR 2.0 column set (map columns included), ~5% of them Bedrock line items of every kind the
chargeback selects (first-party tokens of the four kinds, batch, Projects endpoint,
provisioned throughput, guardrails, AgentCore, Marketplace-billed models, tax, credits),
the rest a mix of the services a large organization runs. Rows are shuffled so that Bedrock
lines sit in every row group, as in a real export: no min/max statistic can skip them.

Streaming: rows are built in batches with numpy (codes into small dictionaries, never one
Python object per row) and appended to a ``ParquetWriter``; memory stays flat whatever N.
Deterministic: batch ``i`` is drawn from ``numpy.random.default_rng([seed, i])``.

    python benchmarks/generate.py --rows 10000000 --out benchmarks/data/cur-10m
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if not __package__:  # run as a script (python benchmarks/generate.py): import from the repo
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_data.generator.columns import MAP_STR, TIMESTAMP, cur2_schema  # noqa: E402

EXPORT = "chargeback-bench"
#: Bumped whenever the same seed would give other data; benchmarks/run.py regenerates then.
#: 2: callers follow the project; identity_time_interval is the line's hour, as AWS writes it.
#: 3: the same in every process (2 drew the random columns in a set's order, which differs
#:    between processes as Python randomizes string hashes).
#: 4: the CUR 2.0 column set of sample_data/generator/columns.py: timestamps in UTC, and the
#:    capacity_reservation_* and line_item_user_identifier columns (all null).
GENERATOR_VERSION = 4
BATCH_ROWS = 200_000
#: Every column of a CUR 2.0 export, in the order the shared list gives.
CUR2_SCHEMA = cur2_schema()

# --- pools: the values independent columns are drawn from ------------------------------------

N_ACCOUNTS = 300
ACCOUNT_IDS = [f"{100000000000 + 7919 * i:012d}" for i in range(N_ACCOUNTS)]
ACCOUNT_NAMES = [f"workload-{i:03d}" for i in range(N_ACCOUNTS)]
N_COST_CENTERS = 60
COST_CENTERS = [f"CC-{1000 + 17 * i}" for i in range(N_COST_CENTERS)]
APPLICATIONS = [f"app-{name}" for name in ("search", "chat", "summarize", "ocr", "support")]
ENVIRONMENTS = ["prod", "staging", "dev"]
TEAMS = [f"team-{i:02d}" for i in range(25)]
OWNERS = [f"owner{i:02d}@example.com" for i in range(40)]
N_PROJECTS = 240
PROJECTS = [
    f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT_IDS[i]}:project/proj_{i:05d}"
    for i in range(N_PROJECTS)
] + [
    f"arn:aws:bedrock:us-west-2:{ACCOUNT_IDS[i]}:application-inference-profile/aip{i:04d}"
    for i in range(N_PROJECTS, N_ACCOUNTS)
]
DEFAULT_PROJECTS = [
    f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT_IDS[i]}:project/default" for i in range(10)
]
PRINCIPALS = [
    f"arn:aws:sts::{ACCOUNT_IDS[i % 40]}:assumed-role/app-role-{i % 12}/session" for i in range(80)
]
#: How many roles call one project: an application's roles call its own project, so a
#: project's lines name one of a few principals, not any of the organization's.
CALLERS_PER_PROJECT = 2
EC2_INSTANCES = [f"i-{0x0A000000 + 104729 * i:016x}" for i in range(20_000)]
VOLUMES = [f"vol-{0x0B000000 + 7907 * i:016x}" for i in range(8_000)]
BUCKETS = [f"bucket-{i:04d}" for i in range(1_500)]
FUNCTIONS = [
    f"arn:aws:lambda:us-east-1:{ACCOUNT_IDS[i % N_ACCOUNTS]}:function:fn-{i}" for i in range(3_000)
]
DATABASES = [f"arn:aws:rds:us-east-1:{ACCOUNT_IDS[i % N_ACCOUNTS]}:db:db-{i}" for i in range(600)]
TABLES = [
    f"arn:aws:dynamodb:us-east-1:{ACCOUNT_IDS[i % N_ACCOUNTS]}:table/t{i}" for i in range(900)
]
SAVINGS_PLANS = [f"arn:aws:savingsplans::{ACCOUNT_IDS[0]}:savingsplan/{i:08x}-sp" for i in range(6)]
AZS = ["us-east-1a", "us-east-1b", "us-east-1c", "us-west-2a", "us-west-2b", "eu-west-1a"]

POOLS: dict[str, list[str]] = {
    "account_id": ACCOUNT_IDS,
    "account_name": ACCOUNT_NAMES,
    "project": PROJECTS,
    "default_project": DEFAULT_PROJECTS,
    "principal": PRINCIPALS,
    "ec2": EC2_INSTANCES,
    "volume": VOLUMES,
    "bucket": BUCKETS,
    "function": FUNCTIONS,
    "database": DATABASES,
    "table": TABLES,
    "savings_plan": SAVINGS_PLANS,
    "az": AZS,
}
#: A realistic CUR 2.0 ``product`` map carries tens of keys per line (the product's
#: attributes); ``--product-keys N`` pads each line's map to N keys with these, in order.
PRODUCT_ATTRIBUTES = (
    "sku", "location", "location_type", "usagetype", "operation", "group",
    "group_description", "description", "from_location", "to_location", "transfer_type",
    "availability", "durability", "storage_class", "volume_type", "instance_family",
    "current_generation", "physical_processor", "clock_speed", "memory", "network_performance",
    "tenancy", "operating_system", "license_model", "pre_installed_sw", "capacitystatus",
    "normalization_size_factor", "vcpu", "intel_avx_available", "ecu", "storage",
    "processor_architecture", "marketoption", "regionnamecode", "servicecode", "version",
    "fee_code", "fee_description", "usage_family", "io",
)  # fmt: skip


def scaled_pools(cost_centers: int, resources: int = 0) -> tuple[dict[str, list[str]], int]:
    """The pools for a month of ``cost_centers`` cost centers, and the number of tagged
    resources: at the default (60) the pools above, unchanged; beyond it more Bedrock
    resources (a multiple of the accounts, so a resource's ARN names the account its lines
    bill), enough that nearly every cost center has one. ``resources``: that many (rounded
    up to a multiple of the accounts) whatever the cost centers, so that months of 50 and
    of 5,000 cost centers can differ in their cost centers alone."""
    if cost_centers == N_COST_CENTERS and not resources:
        return POOLS, N_ACCOUNTS
    wanted = resources or cost_centers * 1.3
    resources = N_ACCOUNTS * max(1, math.ceil(wanted / N_ACCOUNTS))
    mantle = resources * N_PROJECTS // N_ACCOUNTS
    projects = [
        f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT_IDS[i % N_ACCOUNTS]}:project/proj_{i:06d}"
        for i in range(mantle)
    ] + [
        f"arn:aws:bedrock:us-west-2:{ACCOUNT_IDS[i % N_ACCOUNTS]}:"
        f"application-inference-profile/aip{i:06d}"
        for i in range(mantle, resources)
    ]
    return {**POOLS, "project": projects}, resources


#: Columns drawn together share one random draw: a resource, its account and the account's
#: name (a project's ARN names the account it bills), so statement lines stay bounded.
DRAW_OF: dict[str, str] = {
    "line_item_usage_account_id": "resource",
    "line_item_usage_account_name": "resource",
    "line_item_resource_id": "resource",
    "line_item_availability_zone": "az",
    "line_item_iam_principal": "principal",
    "savings_plan_savings_plan_a_r_n": "savings_plan",
}
TAG_KEYS = ("cost_center", "application", "environment", "team", "owner")
TAG_VALUES: dict[str, list[str]] = {
    "cost_center": COST_CENTERS,
    "application": APPLICATIONS,
    "environment": ENVIRONMENTS,
    "team": TEAMS,
    "owner": OWNERS,
}


# --- profiles: the kinds of line items, each with its correlated values ----------------------


@dataclass(frozen=True)
class Profile:
    """One kind of line item: fixed column values, pools for the rest, and its amounts."""

    weight: float
    fixed: dict[str, str]
    pooled: dict[str, str] = field(default_factory=dict)  # column -> pool name
    product: tuple[tuple[str, str], ...] = ()
    rate: float = 0.0  # cost per usage unit; cost = usage * rate
    usage_mu: float = 2.0  # lognormal usage amount
    usage_sigma: float = 1.5
    cost_only: float = 0.0  # lines without usage (tax, credit): cost ~ lognormal * sign
    tagged: bool = True  # resource tags come from the resource
    bedrock: bool = False


def _bedrock_tokens() -> list[Profile]:
    models = [
        ("NovaPro", "Amazon", "Nova Pro", 0.0008, 0.0032),
        ("NovaLite", "Amazon", "Nova Lite", 0.00006, 0.00024),
        ("Claude4.6Sonnet", "Anthropic", "Claude Sonnet 4.6", 0.003, 0.015),
        ("Llama4Maverick", "Meta", "Llama 4 Maverick", 0.00024, 0.00097),
    ]
    kinds = [
        ("input-tokens", "Input tokens", 0, 0.45),
        ("output-tokens", "Output tokens", 1, 0.25),
        ("cache-read-input-token-count", "Cache read input tokens", 2, 0.15),
        ("cache-write-input-token-count", "Cache write input tokens", 3, 0.10),
        ("mantle-input-tokens-standard", "Input tokens", 0, 0.05),
    ]
    out = []
    for code, provider, model, in_rate, out_rate in models:
        rates = (in_rate, out_rate, in_rate * 0.1, in_rate * 1.25)
        for suffix, inference, rate_i, share in kinds:
            for region, region_name, w in (("USE1", "us-east-1", 0.7), ("USW2", "us-west-2", 0.3)):
                out.append(
                    Profile(
                        weight=share * w / len(models),
                        fixed={
                            "line_item_product_code": "AmazonBedrock",
                            "line_item_usage_type": f"{region}-{code}-{suffix}",
                            "line_item_operation": "InvokeModelInference",
                            "pricing_unit": "1K tokens",
                            "product_product_family": "Amazon Bedrock",
                            "product_servicecode": "AmazonBedrock",
                            "product_region_code": region_name,
                            "line_item_line_item_description": f"{model} {inference.lower()}",
                        },
                        pooled={
                            "line_item_resource_id": "project",
                            "line_item_iam_principal": "principal",
                        },
                        product=(
                            ("product_name", "Amazon Bedrock"),
                            ("provider", provider),
                            ("model", model),
                            ("inference_type", inference),
                            ("feature", "On-demand Inference"),
                            ("region", region_name),
                            ("servicename", "Amazon Bedrock"),
                        ),
                        rate=rates[rate_i],
                        usage_mu=3.0,
                        usage_sigma=1.8,
                        bedrock=True,
                    )
                )
    return out


def _bedrock_other() -> list[Profile]:
    def bedrock(
        weight: float,
        code: str,
        usage_type: str,
        unit: str,
        rate: float,
        pool: str = "project",
        feature: str = "",
        **kw: object,
    ) -> Profile:
        fixed = {
            "line_item_product_code": code,
            "line_item_usage_type": usage_type,
            "line_item_operation": "InvokeModelInference",
            "pricing_unit": unit,
            "product_product_family": "Amazon Bedrock",
            "product_servicecode": code,
        }
        product = (("product_name", "Amazon Bedrock"), ("feature", feature))
        pooled = {"line_item_resource_id": pool} if pool else {}
        return Profile(weight, fixed, pooled, product, rate, bedrock=True, **kw)  # type: ignore[arg-type]

    mp_fixed = {
        "bill_billing_entity": "AWS Marketplace",
        "line_item_product_code": "c2mpx7q9bedrockclaude",
        "line_item_operation": "Usage",
        "pricing_unit": "Units",
        "line_item_legal_entity": "Anthropic, PBC",
    }
    mp_product = (("product_name", "Claude Sonnet 4.6 (Amazon Bedrock Edition)"),)
    return [
        bedrock(
            0.030,
            "AmazonBedrock",
            "USE1-NovaPro-batch-input-tokens",
            "1K tokens",
            0.0004,
            feature="Batch Inference",
        ),
        bedrock(
            0.015,
            "AmazonBedrock",
            "USE1-NovaPro-batch-output-tokens",
            "1K tokens",
            0.0016,
            feature="Batch Inference",
        ),
        bedrock(
            0.010,
            "AmazonBedrock",
            "USE1-ProvisionedThroughput-NovaPro-ModelUnits",
            "Hrs",
            21.18,
            feature="Provisioned Throughput",
            usage_mu=0.0,
            usage_sigma=0.1,
        ),
        bedrock(
            0.020,
            "AmazonBedrockService",
            "USE1-Guardrails-TextUnits",
            "1K units",
            0.15,
            feature="Guardrails",
        ),
        bedrock(
            0.010,
            "AmazonBedrockAgentCore",
            "USE1-AgentCore-Runtime-vCPU-Hours",
            "Hrs",
            0.0895,
            feature="AgentCore Runtime",
        ),
        bedrock(
            0.040,
            "AmazonBedrock",
            "USE1-NovaLite-input-tokens",
            "1K tokens",
            0.00006,
            pool="default_project",
            tagged=False,
        ),
        bedrock(
            0.020, "AmazonBedrock", "USE1-NovaLite-output-tokens", "1K tokens", 0.00024, pool=""
        ),
        Profile(
            0.04,
            {**mp_fixed, "line_item_usage_type": "USW2-MP:USW2_InputTokenCount-Units"},
            {"line_item_resource_id": "project"},
            mp_product,
            0.000003,
            usage_mu=9.0,
            bedrock=True,
        ),
        Profile(
            0.02,
            {**mp_fixed, "line_item_usage_type": "USW2-MP:USW2_OutputTokenCount-Units"},
            {"line_item_resource_id": "project"},
            mp_product,
            0.000015,
            usage_mu=8.0,
            bedrock=True,
        ),
        Profile(
            0.02,
            {
                "line_item_line_item_type": "Tax",
                "line_item_product_code": "AmazonBedrock",
                "line_item_tax_type": "VAT",
                "product_product_family": "Amazon Bedrock",
            },
            cost_only=1.0,
            tagged=False,
            bedrock=True,
        ),
        Profile(
            0.01,
            {
                "line_item_line_item_type": "Credit",
                "line_item_product_code": "AmazonBedrock",
                "line_item_line_item_description": "AWS Activate credits",
            },
            cost_only=-1.0,
            tagged=False,
            bedrock=True,
        ),
    ]


def _others() -> list[Profile]:
    def svc(
        weight: float,
        code: str,
        family: str,
        usage_type: str,
        operation: str,
        unit: str,
        rate: float,
        pool: str | None,
        **kw: object,
    ) -> Profile:
        fixed = {
            "line_item_product_code": code,
            "line_item_usage_type": usage_type,
            "line_item_operation": operation,
            "pricing_unit": unit,
            "product_product_family": family,
            "product_servicecode": code,
            "product_region_code": "us-east-1",
            "product_location": "US East (N. Virginia)",
            "product_location_type": "AWS Region",
        }
        fixed.update(cast("dict[str, str]", kw.pop("fixed", {})))
        pooled = {"line_item_resource_id": pool} if pool else {}
        pooled.update(cast("dict[str, str]", kw.pop("pooled", {})))
        product = (
            ("product_name", code),
            ("region", "us-east-1"),
            ("servicename", code),
            ("operation", operation),
        ) + tuple(kw.pop("product", ()))  # type: ignore[arg-type]
        return Profile(weight, fixed, pooled, product, rate, **kw)  # type: ignore[arg-type]

    ec2 = []
    for itype, rate in (("m7i.large", 0.1008), ("c7g.xlarge", 0.145), ("r6i.2xlarge", 0.504)):
        ec2.append(
            svc(
                0.09,
                "AmazonEC2",
                "Compute Instance",
                f"BoxUsage:{itype}",
                "RunInstances",
                "Hrs",
                rate,
                "ec2",
                usage_mu=0.0,
                usage_sigma=0.2,
                fixed={
                    "product_instance_type": itype,
                    "product_instance_family": itype.split(".")[0],
                },
                pooled={"line_item_availability_zone": "az"},
                product=(("vcpu", "4"), ("memory", "16 GiB"), ("tenancy", "Shared")),
            ),
        )
    return [
        *ec2,
        svc(
            0.06,
            "AmazonEC2",
            "Compute Instance",
            "BoxUsage:m7i.large",
            "RunInstances",
            "Hrs",
            0.1008,
            "ec2",
            usage_mu=0.0,
            usage_sigma=0.2,
            fixed={
                "line_item_line_item_type": "SavingsPlanCoveredUsage",
                "savings_plan_offering_type": "ComputeSavingsPlans",
            },
            pooled={"savings_plan_savings_plan_a_r_n": "savings_plan"},
        ),
        svc(
            0.11,
            "AmazonEC2",
            "Storage",
            "EBS:VolumeUsage.gp3",
            "CreateVolume-Gp3",
            "GB-Mo",
            0.08,
            "volume",
            usage_mu=1.0,
        ),
        svc(
            0.12,
            "AmazonS3",
            "Storage",
            "TimedStorage-ByteHrs",
            "StandardStorage",
            "GB-Mo",
            0.023,
            "bucket",
            usage_mu=2.0,
        ),
        svc(
            0.10,
            "AmazonS3",
            "API Request",
            "Requests-Tier1",
            "PutObject",
            "Requests",
            0.000005,
            "bucket",
            usage_mu=6.0,
        ),
        svc(
            0.08,
            "AWSDataTransfer",
            "Data Transfer",
            "USE1-DataTransfer-Out-Bytes",
            "GetObject",
            "GB",
            0.09,
            "bucket",
            usage_mu=0.5,
        ),
        svc(
            0.08,
            "AWSLambda",
            "Serverless",
            "Lambda-GB-Second",
            "Invoke",
            "Lambda-GB-Second",
            0.0000166667,
            "function",
            usage_mu=8.0,
        ),
        svc(
            0.06,
            "AmazonRDS",
            "Database Instance",
            "InstanceUsage:db.r6g.large",
            "CreateDBInstance:0016",
            "Hrs",
            0.26,
            "database",
            usage_mu=0.0,
            usage_sigma=0.1,
            fixed={"line_item_line_item_type": "DiscountedUsage"},
        ),
        svc(
            0.05,
            "AmazonDynamoDB",
            "Amazon DynamoDB PayPerRequest Throughput",
            "ReadRequestUnits",
            "GetItem",
            "ReadRequestUnits",
            0.00000025,
            "table",
            usage_mu=9.0,
        ),
        svc(
            0.06,
            "AmazonCloudWatch",
            "Metric",
            "CW:MetricMonitorUsage",
            "MetricStorage",
            "Metrics",
            0.3,
            None,
            usage_mu=1.0,
            tagged=False,
        ),
        Profile(
            0.006,
            {
                "bill_billing_entity": "AWS Marketplace",
                "line_item_product_code": "dd8mpx2obsplatform",
                "line_item_usage_type": "MP:Hosts",
                "pricing_unit": "Units",
            },
            product=(("product_name", "Datadog Pro"),),
            rate=0.025,
            tagged=False,
        ),
        Profile(
            0.01,
            {
                "line_item_line_item_type": "Tax",
                "line_item_product_code": "AmazonEC2",
                "line_item_tax_type": "VAT",
            },
            cost_only=1.0,
            tagged=False,
        ),
        Profile(
            0.004,
            {"line_item_line_item_type": "Credit", "line_item_product_code": "AmazonEC2"},
            cost_only=-1.0,
            tagged=False,
        ),
    ]


def profiles(bedrock_share: float) -> list[Profile]:
    """Every profile, with weights normalized so Bedrock rows are ``bedrock_share``."""
    bedrock = _bedrock_tokens() + _bedrock_other()
    others = _others()
    b_total = sum(p.weight for p in bedrock)
    o_total = sum(p.weight for p in others)
    scaled = [_reweight(p, bedrock_share * p.weight / b_total) for p in bedrock]
    scaled += [_reweight(p, (1 - bedrock_share) * p.weight / o_total) for p in others]
    return scaled


def _reweight(p: Profile, weight: float) -> Profile:
    return Profile(
        weight,
        p.fixed,
        p.pooled,
        p.product,
        p.rate,
        p.usage_mu,
        p.usage_sigma,
        p.cost_only,
        p.tagged,
        p.bedrock,
    )


# --- the batch builder ------------------------------------------------------------------------


class _StringColumn:
    """A string column as codes into one dictionary: per profile a fixed value or a pool."""

    def __init__(
        self, name: str, profs: Sequence[Profile], pools: dict[str, list[str]] = POOLS
    ) -> None:
        self.name = name
        self.draw = DRAW_OF.get(name, name)
        values: list[str] = []
        index: dict[str, int] = {}
        pool_start: dict[str, int] = {}
        offsets, sizes = [], []
        for p in profs:
            if name in p.pooled:
                pool = p.pooled[name]
                if pool not in pool_start:
                    pool_start[pool] = len(values)
                    values.extend(pools[pool])
                offsets.append(pool_start[pool])
                sizes.append(len(pools[pool]))
            elif name in p.fixed:
                value = p.fixed[name]
                if value not in index:
                    index[value] = len(values)
                    values.append(value)
                offsets.append(index[value])
                sizes.append(1)
            else:
                offsets.append(0)
                sizes.append(0)
        self.dictionary = pa.array(values, type=pa.string())
        self.offsets = np.array(offsets, dtype=np.int64)
        self.sizes = np.array(sizes, dtype=np.int64)

    def build(self, prof: np.ndarray, draws: dict[str, np.ndarray]) -> pa.Array:
        size = self.sizes[prof]
        present = size > 0
        if not present.any():
            return pa.nulls(len(prof), pa.string())
        codes = self.offsets[prof] + draws[self.draw] % np.maximum(size, 1)
        indices = pa.array(codes.astype(np.int32), mask=~present)
        return pa.DictionaryArray.from_arrays(indices, self.dictionary).cast(pa.string())


def _map_array(offsets: np.ndarray, keys: pa.Array, items: pa.Array, kind: pa.DataType) -> pa.Array:
    return pa.MapArray.from_arrays(pa.array(offsets, type=pa.int32()), keys, items, type=kind)


def _ragged_gather(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of entries ``starts[i] .. starts[i]+counts[i]`` and the row offsets."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    within = np.arange(total, dtype=np.int64) - np.repeat(offsets[:-1], counts)
    return np.repeat(starts, counts) + within, offsets


@dataclass(frozen=True)
class Period:
    start: datetime

    @classmethod
    def parse(cls, text: str) -> Period:
        return cls(datetime.strptime(text + "-01", "%Y-%m-%d"))

    @property
    def end(self) -> datetime:
        return (self.start + timedelta(days=32)).replace(day=1)

    def previous(self) -> Period:
        return Period((self.start - timedelta(days=1)).replace(day=1))


class BatchBuilder:
    """Builds record batches of the CUR 2.0 schema, one profile per row."""

    def __init__(
        self,
        bedrock_share: float,
        period: Period,
        other_period_share: float,
        cost_centers: int = N_COST_CENTERS,
        product_keys: int = 0,
        resources: int = 0,
    ) -> None:
        self.profs = profiles(bedrock_share)
        pools, self.resources = scaled_pools(cost_centers, resources)
        self.tag_values = {**TAG_VALUES, "cost_center": _cost_centers(cost_centers)}
        weights = np.array([p.weight for p in self.profs])
        self.cum = np.cumsum(weights / weights.sum())
        self.period = period
        self.other_period_share = other_period_share
        self.strings = {
            f.name: _StringColumn(f.name, self.profs, pools)
            for f in CUR2_SCHEMA
            if f.type == pa.string()
        }
        self.rate = np.array([p.rate for p in self.profs])
        self.mu = np.array([p.usage_mu for p in self.profs])
        self.sigma = np.array([p.usage_sigma for p in self.profs])
        self.cost_only = np.array([p.cost_only for p in self.profs])
        self.tagged = np.array([p.tagged for p in self.profs])
        self.is_bedrock = np.array([p.bedrock for p in self.profs])
        self.is_usage = np.array(
            [p.fixed.get("line_item_line_item_type", "Usage").endswith("Usage") for p in self.profs]
        )
        # product map: every profile's entries, concatenated
        keys: list[str] = []
        items: list[str] = []
        starts, counts = [], []
        for p in self.profs:
            product = _padded(p.product, product_keys)
            starts.append(len(keys))
            counts.append(len(product))
            keys.extend(k for k, _ in product)
            items.extend(v for _, v in product)
        self.product_keys = pa.array(keys, type=pa.string())
        self.product_items = pa.array(items, type=pa.string())
        self.product_starts = np.array(starts, dtype=np.int64)
        self.product_counts = np.array(counts, dtype=np.int64)
        self.tag_dict = pa.array(
            [v for k in TAG_KEYS for v in self.tag_values[k]] + [""], type=pa.string()
        )
        self.tag_offsets = np.cumsum([0] + [len(self.tag_values[k]) for k in TAG_KEYS])
        self.cost_categories = pa.array(["platform", "product", "research", "shared"])
        first = period.previous().start
        self.first_hour = np.datetime64(first, "h")  # hour 0 of self.hours
        self.hours = pa.array(
            [
                f"{first + timedelta(hours=h):%Y-%m-%dT%H:%M:%SZ}/"
                f"{first + timedelta(hours=h + 1):%Y-%m-%dT%H:%M:%SZ}"
                for h in range(int((period.end - first).total_seconds() // 3600))
            ],
            type=pa.string(),
        )

    def bedrock_mask(self, prof: np.ndarray) -> np.ndarray:
        return cast(np.ndarray, self.is_bedrock[prof])

    def build(self, rng: np.random.Generator, n: int) -> pa.RecordBatch:
        prof = np.searchsorted(self.cum, rng.random(n), side="right").clip(0, len(self.profs) - 1)
        draws = {
            name: rng.integers(0, 1 << 30, n, dtype=np.int64)
            for name in sorted({c.draw for c in self.strings.values()})  # a set's order varies
        }
        # the caller follows the project: one of CALLERS_PER_PROJECT roles per resource
        caller = rng.integers(0, CALLERS_PER_PROJECT, n, dtype=np.int64)
        draws["principal"] = draws["resource"] % N_ACCOUNTS + N_ACCOUNTS * caller
        columns: dict[str, pa.Array] = {}
        for name, col in self.strings.items():
            columns[name] = col.build(prof, draws)
        columns.update(self._defaults(n, prof, draws))
        columns.update(self._amounts(rng, n, prof))
        columns.update(self._dates(rng, n))
        columns["product"] = self._product(prof)
        columns["resource_tags"], columns["tags"] = self._tags(rng, n, prof, draws)
        columns["cost_category"] = self._cost_category(rng, n)
        columns["identity_line_item_id"] = pa.array(
            rng.integers(0, 1 << 62, n, dtype=np.int64)
        ).cast(pa.string())
        arrays = [
            columns[f.name] if f.name in columns else pa.nulls(n, f.type) for f in CUR2_SCHEMA
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=CUR2_SCHEMA)

    def _defaults(
        self, n: int, prof: np.ndarray, draws: dict[str, np.ndarray]
    ) -> dict[str, pa.Array]:
        """Columns with one common value unless a profile fixes them."""
        common = {
            "bill_bill_type": "Anniversary",
            "bill_billing_entity": "AWS",
            "bill_invoicing_entity": "Amazon Web Services, Inc.",
            "bill_payer_account_id": ACCOUNT_IDS[0],
            "bill_payer_account_name": "org-payer",
            "bill_invoice_id": "EUINUS26-0042",
            "line_item_legal_entity": "Amazon Web Services, Inc.",
            "line_item_line_item_type": "Usage",
            "line_item_currency_code": "USD",
            "pricing_currency": "USD",
            "pricing_term": "OnDemand",
            "line_item_usage_account_id": "",
            "line_item_usage_account_name": "",
        }
        out: dict[str, pa.Array] = {}
        for name, value in common.items():
            col = self.strings[name]
            if name in ("line_item_usage_account_id", "line_item_usage_account_name"):
                pool = ACCOUNT_IDS if name.endswith("_id") else ACCOUNT_NAMES
                out[name] = pa.array(pool).take(pa.array(draws["resource"] % N_ACCOUNTS))
                continue
            own = col.sizes[prof] > 0
            if own.all():
                continue
            fixed = col.build(prof, draws) if own.any() else None
            filled = pa.array(np.full(n, value, dtype=object), type=pa.string())
            out[name] = filled if fixed is None else pc.if_else(pa.array(own), fixed, filled)
        return out

    def _amounts(self, rng: np.random.Generator, n: int, prof: np.ndarray) -> dict[str, pa.Array]:
        usage = np.round(rng.lognormal(self.mu[prof], self.sigma[prof]), 6)
        cost = usage * self.rate[prof]
        sign = self.cost_only[prof]
        only = sign != 0
        usage[only] = 0.0
        cost[only] = sign[only] * np.round(rng.lognormal(1.0, 1.2, int(only.sum())), 2)
        cost = np.round(cost, 10)
        discounted = self.is_usage[prof] & (rng.random(n) < 0.4)
        discount = np.where(discounted, -np.round(cost * 0.06, 10), 0.0)
        net = np.round(cost + discount, 10)
        rate_text = pa.array(self.rate[prof]).cast(pa.string())
        d_count = discounted.astype(np.int64) * 2
        d_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(d_count, out=d_offsets[1:])
        d_keys = pa.array(
            np.tile(
                np.array(["edp_discount", "total_discount"], dtype=object), int(discounted.sum())
            ),
            type=pa.string(),
        )
        d_items = pa.array(np.repeat(discount[discounted], 2))
        return {
            "line_item_usage_amount": pa.array(usage),
            "line_item_normalized_usage_amount": pa.array(usage),
            "line_item_unblended_cost": pa.array(cost),
            "line_item_blended_cost": pa.array(cost),
            "line_item_net_unblended_cost": pa.array(net),
            "pricing_public_on_demand_cost": pa.array(cost),
            "discount_total_discount": pa.array(discount),
            "discount_bundled_discount": pa.array(np.zeros(n)),
            "line_item_unblended_rate": rate_text,
            "line_item_blended_rate": rate_text,
            "line_item_net_unblended_rate": rate_text,
            "pricing_public_on_demand_rate": rate_text,
            "discount": _map_array(d_offsets, d_keys, d_items, pa.map_(pa.string(), pa.float64())),
        }

    def _dates(self, rng: np.random.Generator, n: int) -> dict[str, pa.Array]:
        other = rng.random(n) < self.other_period_share
        previous, this, following = (
            np.datetime64(when, "ms")
            for when in (self.period.previous().start, self.period.start, self.period.end)
        )
        start = np.where(other, previous, this)
        end = np.where(other, this, following)
        hours = (end - start).astype("timedelta64[h]").astype(np.int64)
        usage_start = start + (rng.integers(0, 1 << 30, n) % hours).astype("timedelta64[h]")
        # identity_time_interval as AWS writes it for an hourly export: the line's hour
        hour_no = (usage_start - self.first_hour).astype("timedelta64[h]").astype(np.int32)
        interval = pa.DictionaryArray.from_arrays(pa.array(hour_no), self.hours).cast(pa.string())
        return {
            "bill_billing_period_start_date": pa.array(start, type=TIMESTAMP),
            "bill_billing_period_end_date": pa.array(end, type=TIMESTAMP),
            "line_item_usage_start_date": pa.array(usage_start, type=TIMESTAMP),
            "line_item_usage_end_date": pa.array(
                usage_start + np.timedelta64(1, "h"), type=TIMESTAMP
            ),
            "identity_time_interval": interval,
        }

    def _product(self, prof: np.ndarray) -> pa.Array:
        flat, offsets = _ragged_gather(self.product_starts[prof], self.product_counts[prof])
        keys = self.product_keys.take(pa.array(flat))
        items = self.product_items.take(pa.array(flat))
        return _map_array(offsets, keys, items, MAP_STR)

    def _tags(
        self, rng: np.random.Generator, n: int, prof: np.ndarray, draws: dict[str, np.ndarray]
    ) -> tuple[pa.Array, pa.Array]:
        """Tags follow the resource: one resource always has the same cost center and tags.

        One resource in 10 is untagged; one in 4 of the tagged ones has its tags only in the
        newer ``tags`` map (``resourceTags/CostCenter``); one in 50 carries an empty value.
        """
        resource = draws["resource"] % self.resources  # the project's index: tags follow it
        has_resource = self.strings["line_item_resource_id"].sizes[prof] > 0
        tagged = self.tagged[prof] & has_resource & (resource % 10 != 0)
        only_tags_map = tagged & (resource % 4 == 1)
        in_resource_tags = tagged & ~only_tags_map
        n_keys = len(TAG_KEYS)
        present = np.ones((n, n_keys), dtype=bool)
        present[:, 1:] = (resource[:, None] >> np.arange(1, n_keys)) % 3 != 0
        codes = np.empty((n, n_keys), dtype=np.int64)
        for j, key in enumerate(TAG_KEYS):
            codes[:, j] = self.tag_offsets[j] + (resource * (7 + 2 * j)) % len(self.tag_values[key])
        codes[resource % 50 == 3, 0] = len(self.tag_dict) - 1  # an empty cost center value
        resource_keys = np.array([f"user_{k}" for k in TAG_KEYS], dtype=object)
        tags_keys = np.array(
            [
                "resourceTags/CostCenter",
                "resourceTags/Application",
                "resourceTags/Environment",
                "resourceTags/Team",
                "resourceTags/Owner",
            ],
            dtype=object,
        )

        def build(rows: np.ndarray, names: np.ndarray) -> pa.Array:
            mask = present & rows[:, None]
            counts = mask.sum(axis=1)
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            key_idx = np.broadcast_to(np.arange(n_keys), (n, n_keys))[mask]
            keys = pa.array(names).take(pa.array(key_idx))
            items = self.tag_dict.take(pa.array(codes[mask]))
            return _map_array(offsets, keys, items, MAP_STR)

        return build(in_resource_tags, resource_keys), build(tagged, tags_keys)

    def _cost_category(self, rng: np.random.Generator, n: int) -> pa.Array:
        has = rng.random(n) < 0.7
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(has, out=offsets[1:])
        keys = pa.array(np.full(int(has.sum()), "business_unit", dtype=object), type=pa.string())
        items = self.cost_categories.take(pa.array(rng.integers(0, 4, int(has.sum()))))
        return _map_array(offsets, keys, items, MAP_STR)


# --- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """What was written."""

    root: Path
    files: tuple[Path, ...]
    rows: int
    bedrock_rows: int


def default_files(rows: int) -> int:
    """Several files, as AWS splits a large month: about 2M rows each, at least 3."""
    return max(3, math.ceil(rows / 2_000_000))


def generate(
    out: Path,
    rows: int,
    *,
    seed: int = 0,
    period: str = "2026-10",
    files: int | None = None,
    bedrock_share: float = 0.05,
    other_period_share: float = 0.0,
    batch_rows: int = BATCH_ROWS,
    cost_centers: int = N_COST_CENTERS,
    product_keys: int = 0,
    resources: int = 0,
) -> Generated:
    """Write ``rows`` rows of CUR 2.0 under ``out`` as a Data Exports delivery, its resources
    (``resources`` of them; 0: 1.3 per cost center) tagged with up to ``cost_centers`` cost
    centers, each line's ``product`` map padded to ``product_keys`` keys (0: the few keys
    each kind of line needs)."""
    if rows < 1:
        raise ValueError("rows must be 1 or more")
    if cost_centers < 1:
        raise ValueError("cost_centers must be 1 or more")
    n_files = files or default_files(rows)
    builder = BatchBuilder(
        bedrock_share,
        Period.parse(period),
        other_period_share,
        cost_centers=cost_centers,
        product_keys=product_keys,
        resources=resources,
    )
    folder = out / "data" / f"BILLING_PERIOD={period}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    paths: list[Path] = []
    bedrock_rows = 0
    batch_index = 0
    per_file = math.ceil(rows / n_files)
    written = 0
    for i in range(n_files):
        path = folder / f"{EXPORT}-{i + 1:05d}.snappy.parquet"
        in_file = min(per_file, rows - written)
        if in_file <= 0:
            break
        with pq.ParquetWriter(path, CUR2_SCHEMA, compression="snappy") as writer:
            left = in_file
            while left > 0:
                n = min(batch_rows, left)
                rng = np.random.default_rng([seed, batch_index])
                batch = builder.build(rng, n)
                bedrock_rows += _count_bedrock(batch)
                writer.write_batch(batch, row_group_size=batch_rows)
                left -= n
                batch_index += 1
        written += in_file
        paths.append(path)
    _write_manifest(out, period, paths, written)
    return Generated(out, tuple(paths), written, bedrock_rows)


def _cost_centers(n: int) -> list[str]:
    return COST_CENTERS if n == N_COST_CENTERS else [f"CC-{1000 + 17 * i}" for i in range(n)]


def _padded(product: tuple[tuple[str, str], ...], keys: int) -> tuple[tuple[str, str], ...]:
    """``product`` with attribute keys added (values that vary by product) up to ``keys``."""
    have = {k for k, _ in product}
    extra = [k for k in PRODUCT_ATTRIBUTES if k not in have][: max(0, keys - len(product))]
    label = "-".join(v for _, v in product[:3]) or "product"
    return product + tuple((k, f"{k}:{label}") for k in extra)


def _count_bedrock(batch: pa.RecordBatch) -> int:
    family = batch.column("product_product_family").to_numpy(zero_copy_only=False)
    entity = batch.column("bill_billing_entity").to_numpy(zero_copy_only=False)
    code = batch.column("line_item_product_code").to_numpy(zero_copy_only=False)
    bedrock = (family == "Amazon Bedrock") | np.isin(
        code, ["AmazonBedrock", "AmazonBedrockService", "AmazonBedrockAgentCore"]
    )
    bedrock |= (entity == "AWS Marketplace") & (code == "c2mpx7q9bedrockclaude")
    return int(bedrock.sum())


def _write_manifest(out: Path, period: str, paths: Sequence[Path], rows: int) -> None:
    folder = out / "metadata" / f"BILLING_PERIOD={period}"
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "exportName": EXPORT,
        "billingPeriod": period,
        "recordCount": rows,
        "columns": [{"name": f.name, "type": str(f.type)} for f in CUR2_SCHEMA],
        "dataFiles": [
            f"s3://bench-bucket/cur/{EXPORT}/data/BILLING_PERIOD={period}/{p.name}" for p in paths
        ],
    }
    (folder / f"{EXPORT}-Manifest.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="rows to write, e.g. 10000000")
    parser.add_argument("--out", type=Path, required=True, help="export root to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--period", default="2026-10", help="billing period, YYYY-MM")
    parser.add_argument(
        "--files", type=int, default=None, help="Parquet files (default ~2M rows each)"
    )
    parser.add_argument("--bedrock-share", type=float, default=0.05)
    parser.add_argument(
        "--cost-centers",
        type=int,
        default=N_COST_CENTERS,
        help=f"cost center tag values to spread the resources over (default {N_COST_CENTERS})",
    )
    parser.add_argument(
        "--product-keys",
        type=int,
        default=0,
        help="pad every line's product map to this many keys (real CUR 2.0: tens; default: "
        "the few each kind of line needs)",
    )
    parser.add_argument(
        "--resources",
        type=int,
        default=0,
        help="tagged Bedrock resources, whatever the cost centers (default: 1.3 per cost "
        "center past the default 60)",
    )
    args = parser.parse_args(argv)
    result = generate(
        args.out,
        args.rows,
        seed=args.seed,
        period=args.period,
        files=args.files,
        bedrock_share=args.bedrock_share,
        cost_centers=args.cost_centers,
        product_keys=args.product_keys,
        resources=args.resources,
    )
    size = sum(p.stat().st_size for p in result.files)
    print(
        f"{result.rows:,} rows ({result.bedrock_rows:,} Bedrock) in {len(result.files)} files, "
        f"{size / 1e6:,.0f} MB under {result.root}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
