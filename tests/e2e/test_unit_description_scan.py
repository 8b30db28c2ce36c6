"""Marketplace "Units" are sized by their lines' descriptions, which 13 keeps in its one scan
(each group's least and greatest): the export is read again (25) only when a group's lines say
more than that, and then every description counts, as before issue 19."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chargeback.allocate.engine import Engine
from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.model import Period, RunConfig
from sample_data.generator.columns import CUR2_TYPES
from tests.support.builders import marketplace_units_line, write
from tests.support.runs import read_csv


def _line(code: str, usage: float, cost: float, description: str) -> dict[str, Any]:
    return marketplace_units_line(code, usage, cost, description)


@pytest.fixture
def queries_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the queries the DuckDB engine runs."""
    names: list[str] = []
    original = Engine._run

    def recording(self: Engine, name: str, params: Any) -> Any:
        names.append(name)
        return original(self, name, params)

    monkeypatch.setattr(Engine, "_run", recording)
    return names


def _run(tmp_path: Path, rows: list[dict[str, Any]]) -> tuple[RunResult, dict[str, Any]]:
    write(tmp_path / "export" / "data" / "part-1.parquet", rows, types=CUR2_TYPES)
    config = RunConfig(
        source=str(tmp_path / "export"), period=Period.parse("2026-10"), out=str(tmp_path / "out")
    )
    result = run(config)
    economics = read_csv(
        Path(result.outputs["summary"]).with_name("chargeback-2026-10-unit-economics.csv")
    )
    (row,) = [r for r in economics if r["model"] == "Claude Sonnet 4.6"]
    return result, row


def test_descriptions_that_agree_need_no_second_scan(
    tmp_path: Path, queries_run: list[str]
) -> None:
    rows = [
        _line("mp-a", 2000.0, 6.0, "$0.003 per 1,000 input tokens"),
        _line("mp-a", 1000.0, 3.0, "$0.003 per 1,000 input tokens"),
    ]
    _result, row = _run(tmp_path, rows)
    assert (row["tokens"], row["amount"], row["charge"]) == ("3000000", "9.00", "")
    assert "13_bedrock_groups" in queries_run
    assert "25_unit_descriptions" not in queries_run


def test_a_group_whose_lines_disagree_is_read_in_full(
    tmp_path: Path, queries_run: list[str]
) -> None:
    # one group (same project, cost center, usage type, day): its least and greatest descriptions
    # size the unit at 1,000 tokens, the one between at 1M: the sizes disagree, so the unit
    # is left unsized, as when every description was read from the export
    rows = [
        _line("mp-a", 1000.0, 3.0, "$0.003 per 1,000 input tokens"),
        _line("mp-a", 1000.0, 3.0, "$3.00 per 1M input tokens"),
        _line("mp-a", 1000.0, 3.0, "$9.00 per 1,000 input tokens"),
    ]
    result, row = _run(tmp_path, rows)
    assert (row["tokens"], row["amount"], row["charge"]) == ("", "9.00", "unsized_unit")
    assert "25_unit_descriptions" in queries_run
    saved = json.loads(Path(result.outputs["run"]).read_text(encoding="utf-8"))
    assert [e["model"] for e in saved["taxonomy"]["unsized_units"]] == ["Claude Sonnet 4.6"]


def test_a_group_whose_lines_word_one_size_differently_is_sized(
    tmp_path: Path, queries_run: list[str]
) -> None:
    rows = [
        _line("mp-a", 1000.0, 3.0, "$0.003 per 1,000 input tokens"),
        _line("mp-a", 3000.0, 9.0, "USD 0.003 per 1K input tokens"),
    ]
    _result, row = _run(tmp_path, rows)
    assert (row["tokens"], row["amount"], row["charge"]) == ("4000000", "12.00", "")
    assert "25_unit_descriptions" in queries_run
