"""DuckDB's threads are sized to its memory limit (one per ``MEMORY_PER_THREAD``, measured in
benchmarks/RESULTS.md), and running out of memory anyway is one line saying what to set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chargeback.allocate.engine import Engine, size_bytes, threads_for
from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from chargeback.settings.model import MEMORY_PER_THREAD
from tests.support.builders import tagged, write
from tests.support.paths import REPO, SAMPLE

runner = CliRunner()


def test_sizes_as_duckdb_shows_them() -> None:
    assert size_bytes("953.6 MiB") == int(953.6 * 2**20)
    assert size_bytes("1.8 TiB") == int(1.8 * 2**40)
    assert size_bytes("97.6 KiB") == int(97.6 * 2**10)
    assert size_bytes("200MB") == 200_000_000
    assert size_bytes("1.2 gb") == 1_200_000_000
    assert size_bytes("lots") is None and size_bytes("80%") is None


@pytest.mark.parametrize(
    ("limit", "asked", "expected"),
    [(200_000_000, 2, 1), (300_000_000, 2, 2), (300_000_000, 8, 2), (10**6, 4, 1), (10**12, 4, 4)],
)
def test_one_thread_per_measured_share_of_the_limit(limit: int, asked: int, expected: int) -> None:
    assert MEMORY_PER_THREAD == 150_000_000
    assert threads_for(limit, asked) == expected


def test_the_measure_is_the_one_benchmarks_results_gives() -> None:
    results = (REPO / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    assert f"one thread per {MEMORY_PER_THREAD // 10**6} MB" in results


def test_duckdb_runs_the_threads_its_limit_carries() -> None:
    engine = Engine(threads=4, memory_limit="300MB")
    try:
        assert engine.settings() == {
            "threads": 2,
            "memory_limit": "286.1 MiB",
            "threads_asked": 4,
        }
    finally:
        engine.close()
    engine = Engine(threads=8, memory_limit="1200MB")  # shown as 1.1 GiB
    try:
        assert engine.settings() == {"threads": 8, "memory_limit": "1.1 GiB"}
    finally:
        engine.close()
    engine = Engine(threads=1, memory_limit="100MB")
    try:
        assert engine.settings() == {"threads": 1, "memory_limit": "95.3 MiB"}
    finally:
        engine.close()


def test_two_threads_under_200mb_run_as_one_and_say_so(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.parquet", [tagged("p", "CC-1", 1.5)])
    out = tmp_path / "o"
    args = ["run", str(tmp_path / "e"), "--period", "2026-10", "--out", str(out), "--config", ""]
    result = runner.invoke(app, [*args, "--threads", "2", "--memory-limit", "200MB"])
    assert result.exit_code == 0, result.output
    assert (
        "note: DuckDB ran 1 thread, not 2: a memory limit of 190.7 MiB carries one per 150MB; "
        "set --memory-limit 300MB for 2\n"
    ) in result.stderr
    duckdb = json.loads((out / "2026-10" / "run.json").read_text())["settings"]["duckdb"]
    assert (duckdb["threads"], duckdb["threads_asked"]) == (1, 2)


def test_running_out_of_memory_says_what_to_set_and_publishes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = ["run", str(SAMPLE), "--period", "2026-10", "--out", str(out), "--config", ""]
    first = runner.invoke(app, [*args, "--threads", "1"])
    assert first.exit_code == 0, first.output
    month = out / "2026-10"
    before = {p.name: p.read_bytes() for p in month.rglob("*") if p.is_file()}

    result = runner.invoke(app, [*args, "--threads", "1", "--memory-limit", "4MB"])
    assert result.exit_code == ExitCode.QUERY
    assert result.stdout == ""
    query = "13_bedrock_groups" if "13_bedrock" in result.stderr else "10_rows_by_file"
    assert result.stderr == (
        f"error: DuckDB ran out of memory in queries/{query}.sql with a memory limit of 3.8 MiB "
        "and 1 thread: set --memory-limit 200MB (or CHARGEBACK_MEMORY_LIMIT, or memory_limit "
        "in chargeback.toml) and run again\n"
    )
    assert {p.name: p.read_bytes() for p in month.rglob("*") if p.is_file()} == before
