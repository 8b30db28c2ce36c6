"""`chargeback export-definition`: the Bedrock-only Data Exports definition (issue 16, part 1).

Its QueryStatement runs in DuckDB over the sample export registered as the Data Exports table
(COST_AND_USAGE_REPORT); the tool's statements from the filtered rows equal those from the
full export, to the cent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from cfnlint.api import lint
from typer.testing import CliRunner

from benchmarks.filtered_export import write_filtered
from chargeback.allocate.export_definition import (
    TABLE,
    ExportFormat,
    bedrock_rule,
    export_columns,
    query_statement,
    render,
)
from chargeback.allocate.queries import query_text
from chargeback.frontends.cli import app
from chargeback.results import RunResult
from tests.support.paths import SAMPLE
from tests.support.runs import RunFn, read_csv, summary

SAMPLE_FILES = sorted((SAMPLE / "data").rglob("*.parquet"))


def filtered_sample(out: Path) -> Path:
    """The sample month as the export definition would deliver it (the translation is the
    benchmark's, benchmarks/filtered_export.py: a real CUR 2.0 table has every column, so the
    ones the sample lacks are added empty)."""
    return write_filtered(SAMPLE_FILES, out)


def test_rule_is_read_from_the_macro() -> None:
    rule = bedrock_rule()
    macro = query_text("00_macros")
    assert rule.product_family == "Amazon Bedrock"
    assert {"AmazonBedrock", "AmazonBedrockAgentCore"} <= set(rule.product_codes)
    assert rule.marketplace_entity == "AWS Marketplace"
    assert all(f"'{c}'" in macro for c in rule.product_codes)


def test_statement_uses_only_documented_syntax() -> None:
    sql = query_statement()
    assert sql.startswith("SELECT ") and f" FROM {TABLE} WHERE " in sql
    assert len(sql) <= 36_000
    where = sql.split(" WHERE ", 1)[1]
    assert " LIKE " not in where and "(" not in where.replace("IN (", "")
    for column in ("line_item_iam_principal", "resource_tags", "tags", "product"):
        assert column in export_columns()


def test_json_holds_the_table_configuration_and_delivery() -> None:
    doc = json.loads(render(ExportFormat.JSON, bucket="b", prefix="p"))
    export = doc["Export"]
    config = export["DataQuery"]["TableConfigurations"][TABLE]
    assert config["INCLUDE_RESOURCES"] == "TRUE"
    assert config["INCLUDE_IAM_PRINCIPAL_DATA"] == "TRUE"
    assert config["INCLUDE_SPLIT_COST_ALLOCATION_DATA"] == "FALSE"
    assert config["INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY"] == "FALSE"
    s3 = export["DestinationConfigurations"]["S3Destination"]
    assert (s3["S3Bucket"], s3["S3Prefix"]) == ("b", "p")
    assert s3["S3OutputConfigurations"]["Format"] == "PARQUET"
    assert export["RefreshCadence"] == {"Frequency": "SYNCHRONOUS"}
    assert any("Marketplace" in n for n in doc["Notes"])


def test_cloudformation_passes_cfn_lint() -> None:
    text = render(ExportFormat.CLOUDFORMATION)
    assert [str(m) for m in lint(text, regions=["us-east-1"])] == []
    (resource,) = json.loads(text)["Resources"].values()
    assert resource["Type"] == "AWS::BCMDataExports::Export"


def test_cli_prints_each_format() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["export-definition", "--format", "cloudformation"])
    assert out.exit_code == 0
    assert json.loads(out.stdout)["Resources"]
    cli = runner.invoke(app, ["export-definition", "--format", "cli", "--bucket", "it's"])
    assert cli.exit_code == 0
    assert "aws bcm-data-exports create-export --region us-east-1" in cli.stdout
    # the shell gives back the JSON exactly, quotes included
    arg = cli.stdout.split("--export ", 1)[1]
    echoed = subprocess.run(
        ["sh", "-c", f"printf %s {arg}"], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(echoed)["DestinationConfigurations"]["S3Destination"]["S3Bucket"] == "it's"
    bad = runner.invoke(app, ["export-definition", "--format", "yaml"])
    assert bad.exit_code == 2


def test_filtered_export_gives_the_same_statements(run_on: RunFn, tmp_path: Path) -> None:
    filtered = filtered_sample(tmp_path / "filtered")
    full = run_on(SAMPLE, out=tmp_path / "out-full")
    small = run_on(filtered, out=tmp_path / "out-filtered")
    assert summary(small) == summary(full)
    assert sum(summary(full).values()) > 0
    assert read_csv(small.outputs["lines"]) == read_csv(full.outputs["lines"])
    assert small.rows.bedrock == full.rows.bedrock

    def journal(result: RunResult) -> list[dict[str, str]]:  # the reference names the run
        return [
            {k: v for k, v in r.items() if k != "reference"}
            for r in read_csv(result.outputs["journal"])
        ]

    assert journal(small) == journal(full)
    # what it saves on the sample (README "Large organizations")
    rows = sum(pq.read_metadata(f).num_rows for f in SAMPLE_FILES)
    kept = sum(pq.read_metadata(f).num_rows for f in filtered.rglob("*.parquet"))
    size = sum(f.stat().st_size for f in SAMPLE_FILES)
    kept_size = sum(f.stat().st_size for f in filtered.rglob("*.parquet"))
    print(f"rows {rows} -> {kept}; bytes {size} -> {kept_size}", file=sys.stderr)
    assert kept < rows and kept_size < size
