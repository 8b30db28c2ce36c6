"""The settings of one run: one typed, validated object, built in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from chargeback.errors import ConfigError
from chargeback.settings.rules import AlertThresholds, AllocationRules
from chargeback.settings.textfile import shown

#: DuckDB's memory limit when none is given. DuckDB's own default (80% of RAM) let a 50M-row
#: month hold far more than the 2 GB target; with this limit its aggregate spills past it
#: instead (figures: benchmarks/RESULTS.md). Raise it with --memory-limit on a large machine.
DEFAULT_MEMORY_LIMIT = "1536MB"

#: Memory DuckDB needs per thread to scan and group an export without running out (it does
#: not spill the scan's buffers): threads are capped at one per this much of the memory
#: limit. Measured: benchmarks/RESULTS.md, "Threads and the memory limit".
MEMORY_PER_THREAD = 150_000_000

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
#: The years a billing period may fall in: AWS bills from long after the first and the
#: last leaves room for the month after (``end``), which ``date`` needs to exist.
FIRST_YEAR, LAST_YEAR = 2000, 2999

DEFAULT_STATEMENT_TAGS: dict[str, str] = {
    "application": "Application",
    "environment": "Environment",
    "team": "Team",
    "owner": "Owner",
}


#: requestMetadata keys the cost center may be read from (queries/16's key slots).
MAX_CC_KEYS = 3


@dataclass(frozen=True)
class InvocationLogSettings:
    """Where the Bedrock model invocation logs are and which ``requestMetadata`` keys say
    who called (``[invocation_logs]`` in chargeback.toml, ``--invocation-logs``)."""

    #: A folder or ``s3://`` prefix holding ``AWSLogs/<account>/BedrockModelInvocationLogs/``.
    location: str
    #: ``requestMetadata`` keys holding the cost center, best first.
    cost_center_keys: tuple[str, ...] = ("costCenter",)
    #: ``requestMetadata`` keys for the statement tags (application, environment, team,
    #: owner); a role left out is not read from the logs.
    statement_keys: dict[str, str] = field(
        default_factory=lambda: {
            "application": "applicationId",
            "environment": "environment",
            "team": "team",
            "owner": "owner",
        }
    )

    def __post_init__(self) -> None:
        if not self.location.strip():
            raise ConfigError(
                "--invocation-logs is empty: give the folder or s3:// prefix of the Bedrock "
                "model invocation logs"
            )
        if len(self.cost_center_keys) > MAX_CC_KEYS:
            raise ConfigError(
                f"invocation_logs.cost_center_keys names {len(self.cost_center_keys)} keys: "
                f"give at most {MAX_CC_KEYS}, best first"
            )
        if not self.cost_center_keys or not all(k.strip() for k in self.cost_center_keys):
            raise ConfigError(
                "invocation_logs.cost_center_keys is empty: give the requestMetadata key(s) "
                'that carry the cost center, e.g. ["costCenter"]'
            )


class CostMeasure(StrEnum):
    """Which cost column the statements charge."""

    NET_UNBLENDED = "net_unblended"
    UNBLENDED = "unblended"


class ScanEngine(StrEnum):
    """What reads the export: DuckDB in this process, or Apache Spark (``allocate/spark_scan``)."""

    DUCKDB = "duckdb"
    SPARK = "spark"


@dataclass(frozen=True)
class Period:
    """A billing period, one calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ConfigError(
                f"period {shown(text)} is not a month: write it as YYYY-MM, e.g. 2026-10"
            )
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ConfigError(
                f"period {text.strip()} is out of range: a billing period is a month from "
                f"{FIRST_YEAR}-01 to {LAST_YEAR}-12"
            )
        return cls(year, int(match.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """First day of the next period."""
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class RunConfig:
    """Everything one chargeback run needs to know."""

    source: str
    period: Period
    out: str
    cost_center_tag: str = "CostCenter"
    cost_measure: CostMeasure = CostMeasure.NET_UNBLENDED
    statement_tags: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STATEMENT_TAGS))
    threads: int | None = None
    memory_limit: str | None = None
    #: A folder whose report_templates files (workbook.toml, journal.toml) replace the shipped.
    templates: str | None = None
    rules: AllocationRules = field(default_factory=AllocationRules)
    config_file: str | None = None
    #: A cost-center tag or mapping table that matches no Bedrock line of the period stops
    #: the run (exit 3) instead of being reported as a warning.
    strict: bool = False
    #: The company the statements name and the journal's accounts (``company`` and
    #: ``[journal]`` in chargeback.toml); None: the report template's (an example value).
    company: str | None = None
    expense_account: str | None = None
    clearing_account: str | None = None
    #: The open period an adjustment of a closed month is booked in; None: the current month.
    post_period: Period | None = None
    #: Bedrock model invocation logs to attribute what no earlier rule did (issue 14).
    invocation_logs: InvocationLogSettings | None = None
    #: When spend is flagged: anomaly thresholds and the budget share that warns (issue 15).
    alerts: AlertThresholds = field(default_factory=AlertThresholds)
    #: An SNS topic ARN the Lambda publishes budget and anomaly alerts to (None: none).
    alert_topic: str | None = None
    #: What scans the export; allocation, rounding and writing are DuckDB's either way.
    engine: ScanEngine = ScanEngine.DUCKDB
    #: A Spark Connect URL (``sc://host:port``) for ``engine`` spark; None: a local session.
    spark_remote: str | None = None

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise ConfigError("SOURCE is empty: give the export's root folder or s3:// URI")
        if not self.out.strip():
            raise ConfigError("--out is empty: give the folder the statements go to")
        if not self.cost_center_tag.strip():
            raise ConfigError("--cost-center-tag is empty: give the tag key, e.g. CostCenter")
        if self.threads is not None and self.threads < 1:
            raise ConfigError(f"--threads {self.threads} must be 1 or more")
        if self.spark_remote is not None:
            if self.engine is not ScanEngine.SPARK:
                raise ConfigError(
                    f"--spark-remote {shown(self.spark_remote)} is set but the engine is "
                    f"{self.engine.value}: add --engine spark, or drop --spark-remote"
                )
            if not self.spark_remote.startswith("sc://"):
                raise ConfigError(
                    f"--spark-remote {shown(self.spark_remote)} is not a Spark Connect URL: "
                    "write it as sc://HOST:PORT, e.g. sc://spark.example.internal:15002"
                )
