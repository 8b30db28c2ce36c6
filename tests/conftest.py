"""Shared fixtures: run the real pipeline over real Parquet files in tmp_path."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from chargeback.pipeline import run  # noqa: E402
from chargeback.results import RunResult  # noqa: E402
from chargeback.settings.model import CostMeasure, Period, RunConfig  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "bedrock-cur2"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


RunFn = Callable[..., RunResult]


@pytest.fixture
def run_on(tmp_path: Path) -> RunFn:
    """Run the chargeback on ``source`` for ``period`` into tmp_path/out."""

    def _run(source: Path, period: str = "2026-10", **settings: Any) -> RunResult:
        measure = settings.pop("cost_measure", CostMeasure.NET_UNBLENDED)
        config = RunConfig(
            source=str(source),
            period=Period.parse(period),
            out=str(settings.pop("out", tmp_path / "out")),
            cost_measure=CostMeasure(measure),
            **settings,
        )
        return run(config)

    return _run


def summary_amounts(result: RunResult) -> dict[str, str]:
    rows = read_csv(Path(result.outputs["summary"]))
    return {r["cost_center"]: r["amount"] for r in rows}


from s3server import s3, s3_env, s3_server  # noqa: E402, F401 - a loopback S3 API for tests
