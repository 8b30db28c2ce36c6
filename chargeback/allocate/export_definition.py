"""A Bedrock-only Data Exports definition (issue 16, part 1), derived from what the run reads.

The ``QueryStatement`` selects exactly the export columns the canonical view reads
(``read.schema.CANONICAL``) and the map columns whole (``read.tagcolumns.MAP_COLUMNS``: the
queries look up keys such as ``product['model']`` and whichever tag keys the settings name),
and keeps the rows of the Bedrock rule in ``queries/00_macros.sql`` (``bedrock_selected_by``)
as far as the Data Exports SQL can say it: ``=``, ``IN`` and ``OR`` on plain columns. What it
cannot say is widened, never narrowed, and written in ``NOTES``: the filter keeps a superset
of the lines the tool charges, and the run makes the exact selection itself.

Part 2 of issue 16, the scan on Apache Spark (``--engine spark``), is ``allocate/spark_scan.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chargeback.allocate.queries import query_text

TABLE = "COST_AND_USAGE_REPORT"


class ExportFormat(StrEnum):
    JSON = "json"
    CLOUDFORMATION = "cloudformation"
    CLI = "cli"


#: Settings the run needs from the table: resource ids (projects, inference profiles) and
#: the caller's IAM principal; no split cost allocation or manual discount columns.
TABLE_CONFIGURATION: dict[str, str] = {
    "TIME_GRANULARITY": "DAILY",
    "INCLUDE_RESOURCES": "TRUE",
    "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE",
    "INCLUDE_SPLIT_COST_ALLOCATION_DATA": "FALSE",
    "INCLUDE_IAM_PRINCIPAL_DATA": "TRUE",
}

NOTES: tuple[str, ...] = (
    "Marketplace models sold for Bedrock are recognised by product name ('... (Amazon Bedrock "
    "Edition)'), and their tax, credit and discount lines only by a product code seen on such "
    "a named line; the Data Exports SQL cannot test a map value's text or look across lines, "
    "so the export keeps every AWS Marketplace line and the run drops the ones that are not "
    "Bedrock.",
    "The run also takes the product family from product['product_family'] when the column "
    "product_product_family is empty (legacy CUR); CUR 2.0 fills the column, which the "
    "filter tests.",
    "Map columns (product, resource_tags, tags) are selected whole: the run looks up "
    "product keys and whichever tag keys its settings name.",
)


@dataclass(frozen=True)
class BedrockRule:
    """The constants of ``bedrock_selected_by`` that a Data Exports filter can test."""

    product_family: str
    product_codes: tuple[str, ...]
    marketplace_entity: str


def bedrock_rule() -> BedrockRule:
    """Read the rule from the macro itself, so the export and the run never disagree."""
    text = query_text("00_macros")
    start = text.index("MACRO bedrock_selected_by")
    body = text[start : text.index("END;", start)]
    family = re.search(r"product_family = '([^']+)'", body)
    codes = re.search(r"product_code IN \(([^)]*)\)", body)
    entity = re.search(r"billing_entity = '([^']+)'", body)
    if family is None or codes is None or entity is None:
        raise RuntimeError("queries/00_macros.sql: bedrock_selected_by changed shape")
    return BedrockRule(
        family.group(1), tuple(re.findall(r"'([^']+)'", codes.group(1))), entity.group(1)
    )


def export_columns() -> tuple[str, ...]:
    """The export columns the run reads, in the canonical view's order."""
    # Imported here: the read modules load DuckDB and pyarrow, which the CLI's start-up
    # (``chargeback --help``) does without.
    from chargeback.read.schema import CANONICAL
    from chargeback.read.tagcolumns import MAP_COLUMNS

    return tuple(column for _, column, _ in CANONICAL) + MAP_COLUMNS


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def where_clause(rule: BedrockRule | None = None) -> str:
    rule = rule or bedrock_rule()
    codes = ", ".join(_quoted(c) for c in rule.product_codes)
    return (
        f"product_product_family = {_quoted(rule.product_family)}"
        f" OR line_item_product_code IN ({codes})"
        f" OR bill_billing_entity = {_quoted(rule.marketplace_entity)}"
    )


def query_statement() -> str:
    return f"SELECT {', '.join(export_columns())} FROM {TABLE} WHERE {where_clause()}"


def export(
    name: Any = "bedrock-chargeback",
    bucket: Any = "<export-bucket>",
    prefix: Any = "<export-prefix>",
    region: Any = "us-east-1",
) -> dict[str, Any]:
    """The export as the Data Exports API and ``AWS::BCMDataExports::Export`` take it."""
    return {
        "Name": name,
        "Description": "Amazon Bedrock lines for bedrock-chargeback (superset filter)",
        "DataQuery": {
            "QueryStatement": query_statement(),
            "TableConfigurations": {TABLE: dict(TABLE_CONFIGURATION)},
        },
        "DestinationConfigurations": {
            "S3Destination": {
                "S3Bucket": bucket,
                "S3Prefix": prefix,
                "S3Region": region,
                "S3OutputConfigurations": {
                    "OutputType": "CUSTOM",
                    "Format": "PARQUET",
                    "Compression": "PARQUET",
                    "Overwrite": "OVERWRITE_REPORT",
                },
            }
        },
        "RefreshCadence": {"Frequency": "SYNCHRONOUS"},
    }


def cloudformation_template() -> dict[str, Any]:
    """A template of one ``AWS::BCMDataExports::Export``; bucket and prefix as parameters."""
    body = export(
        name={"Ref": "ExportName"},
        bucket={"Ref": "ExportBucket"},
        prefix={"Ref": "ExportPrefix"},
        region={"Ref": "AWS::Region"},
    )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Bedrock-only CUR 2.0 export for bedrock-chargeback; create it in "
        "us-east-1. Notes: " + " ".join(NOTES),
        "Parameters": {
            "ExportName": {"Type": "String", "Default": "bedrock-chargeback"},
            "ExportBucket": {
                "Type": "String",
                "Description": "Bucket the export is delivered to (its policy must let "
                "bcm-data-exports.amazonaws.com and billingreports.amazonaws.com write)",
            },
            "ExportPrefix": {"Type": "String", "Default": "bedrock-chargeback"},
        },
        "Resources": {
            "BedrockChargebackExport": {
                "Type": "AWS::BCMDataExports::Export",
                "Properties": {"Export": body},
            }
        },
    }


def render(fmt: ExportFormat, **names: str) -> str:
    """The export as ``json`` (the API's ``Export``), ``cloudformation`` (a template with one
    ``AWS::BCMDataExports::Export``) or ``cli`` (an ``aws bcm-data-exports`` command)."""
    body = export(**names)
    if fmt is ExportFormat.JSON:
        return json.dumps({"Export": body, "Notes": list(NOTES)}, indent=2)
    if fmt is ExportFormat.CLOUDFORMATION:
        return json.dumps(cloudformation_template(), indent=2)
    if fmt is ExportFormat.CLI:
        notes = "\n".join(f"# {n}" for n in NOTES)
        arg = json.dumps(body, indent=2).replace("'", "'\"'\"'")
        return f"{notes}\naws bcm-data-exports create-export --region us-east-1 --export '{arg}'"
    raise ValueError(f"unknown format {fmt!r}")
