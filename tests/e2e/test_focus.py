"""FOCUS 1.0 / 1.2 exports: detected without flags, read into the same statements as CUR 2.0."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chargeback.errors import InputError
from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from chargeback.settings.rules import AllocationRules, Method, Policy
from chargeback.taxonomy import PolicyKind
from sample_data.generator.cli import main as sample_main
from sample_data.generator.cur2 import write_cur2_export
from tests.support.builders import cur2_row, write
from tests.support.runs import lines, read_csv, summary

D = Decimal
MAP = pa.map_(pa.string(), pa.string())
RULES = AllocationRules(
    policies={
        PolicyKind.TAX: Policy(Method.PROPORTIONAL),
        PolicyKind.DEFAULT_PROJECT: Policy(Method.EVEN),
    }
)


def run_source(source: Path, out: Path, rules: AllocationRules = RULES) -> RunResult:
    return run(RunConfig(str(source), Period.parse("2026-10"), str(out), rules=rules))


@pytest.fixture(scope="module")
def sample_cur2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cur2")
    write_cur2_export(root)
    return root


@pytest.mark.parametrize("version", ["1.2", "1.0"])
def test_sample_month_as_cur2_and_as_focus_gives_the_same_statements(
    sample_cur2: Path, tmp_path: Path, version: str
) -> None:
    focus = tmp_path / "focus"
    # The sample generator writes the month both ways: CUR 2.0 and FOCUS.
    args = ["--out", str(tmp_path / "cur2"), "--focus-out", str(focus), "--focus-version", version]
    assert sample_main(args) == 0
    from_cur2 = run_source(sample_cur2, tmp_path / "out-cur2")
    from_focus = run_source(focus, tmp_path / "out-focus")
    assert from_focus.source.schema == "focus"
    assert summary(from_focus) == summary(from_cur2)
    # The sample's own published figures (sample_data/README.md), net unblended:
    # CC-1001 3,195.45 before its share of tax; the export total 6,597.83.
    assert sum(summary(from_focus).values()) == D("6597.83")
    per_cc_cur2 = {(r["cost_center"], r["attribution_source"]) for r in lines(from_cur2)}
    per_cc_focus = {(r["cost_center"], r["attribution_source"]) for r in lines(from_focus)}
    assert per_cc_focus == per_cc_cur2


def focus_row(cost: float, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "BillingPeriodStart": datetime(2026, 10, 1),
        "ChargeCategory": "Usage",
        "BilledCost": cost,
        "BillingCurrency": "USD",
        "ServiceName": "Amazon Bedrock",
        "x_ServiceCode": "AmazonBedrock",
        "SkuMeter": "USE1-NovaPro-input-tokens",
        "SubAccountId": "444455556666",
        "Tags": None,
    }
    row.update(fields)
    return row


def write_focus(path: Path, rows: list[dict[str, Any]]) -> Path:
    types = {
        "BillingPeriodStart": pa.timestamp("ms"),
        "BilledCost": pa.float64(),
        "Tags": MAP,
    }
    names = list(dict.fromkeys(k for r in rows for k in r))
    arrays = {}
    for name in names:
        values = [r.get(name) for r in rows]
        if name == "Tags":
            values = [list(v.items()) if v is not None else None for v in values]
        arrays[name] = pa.array(values, types.get(name, pa.string()))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(arrays), path)
    return path


def test_focus_tags_charge_categories_and_non_bedrock(tmp_path: Path) -> None:
    project = "arn:aws:bedrock-mantle:us-east-1:444455556666:project/"
    rows = [
        focus_row(1.25, ResourceId=project + "p1", Tags={"CostCenter": "CC-1"}),
        focus_row(2.50, ResourceId=project + "p2", Tags={"user:CostCenter": "CC-2"}),
        focus_row(4.00, ResourceId=project + "p3", Tags={"user_cost_center": "CC-1"}),
        focus_row(8.00, ResourceId=project + "default"),
        focus_row(0.75, ChargeCategory="Tax"),
        focus_row(-3.00, ChargeCategory="Credit"),
        focus_row(99.0, ServiceName="Amazon EC2", x_ServiceCode="AmazonEC2", SkuMeter="BoxUsage"),
    ]
    write_focus(tmp_path / "export" / "part.parquet", rows)
    result = run_source(tmp_path / "export", tmp_path / "out", AllocationRules())
    assert summary(result) == {"CC-1": D("5.25"), "CC-2": D("2.50"), "UNATTRIBUTED": D("5.75")}
    unattributed = {
        (r["line_item_type"], r["unattributed_reason"]): D(r["amount"])
        for r in lines(result)
        if r["cost_center"] == "UNATTRIBUTED"
    }
    assert unattributed == {
        ("Usage", "default_project"): D("8.00"),
        ("Tax", "no_resource"): D("0.75"),
        ("Credit", "no_resource"): D("-3.00"),
    }
    usage_types = {r["usage_type"] for r in read_csv(result.outputs["lines"])}
    assert usage_types == {"USE1-NovaPro-input-tokens"}  # from SkuMeter; no EC2 BoxUsage


def test_focus_file_without_billing_currency_is_named(tmp_path: Path) -> None:
    row = focus_row(1.0)
    del row["BillingCurrency"]
    path = write_focus(tmp_path / "export" / "bad.parquet", [row])
    with pytest.raises(InputError, match=f"{path} has no column BillingCurrency"):
        run_source(tmp_path / "export", tmp_path / "out")


def test_focus_and_cur_files_in_one_source_are_refused(tmp_path: Path) -> None:
    focus = write_focus(tmp_path / "export" / "a-focus.parquet", [focus_row(1.0)])
    cur = write(tmp_path / "export" / "b-cur.parquet", [cur2_row(cost=1.0)])
    with pytest.raises(InputError, match="mixes a FOCUS export") as info:
        run_source(tmp_path / "export", tmp_path / "out")
    assert str(focus) in str(info.value) and str(cur) in str(info.value)
    assert not (tmp_path / "out").exists()
