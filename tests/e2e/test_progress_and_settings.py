"""Feedback on long runs: progress on a terminal only; --threads/--memory-limit reach DuckDB."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chargeback.allocate.engine import Engine, ProgressSteps
from chargeback.errors import ConfigError
from chargeback.frontends.cli import app
from tests.support.builders import tagged, write

CLI = [sys.executable, "-c", "from chargeback.frontends.cli import main; main()"]


@pytest.fixture()
def export(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    write(
        root / "data" / "BILLING_PERIOD=2026-10" / "x-00001.snappy.parquet",
        [tagged("a", "CC-1", 1.25), tagged("b", "CC-2", 2.50), tagged("c", None, 0.75)],
    )
    return root


def run_cli(args: list[str], tty: bool, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal (``tty``) or a pipe; its stderr text."""
    full_env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    full_env.update(env or {})
    if not tty:
        done = subprocess.run(CLI + args, capture_output=True, text=True, env=full_env)
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(CLI + args, stdout=subprocess.DEVNULL, stderr=follower, env=full_env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(), b"".join(chunks).decode().replace("\r\n", "\n")


def test_progress_shows_files_rows_and_phases_on_a_terminal(export: Path, tmp_path: Path) -> None:
    code, err = run_cli(["run", str(export), "--period", "2026-10", "--out", str(tmp_path)], True)
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if ln.startswith("... ")]
    assert lines[0] == "... finding input files"
    assert lines[1].startswith("... reading 1 file(s): 3 rows, ")
    assert "... selected 3 Bedrock line items of 3 rows in 2026-10" in lines
    assert any(ln.startswith("... writing statements (") for ln in lines)
    assert lines[-1] == f"... published to {tmp_path / '2026-10'}"


@pytest.mark.parametrize(
    ("tty", "extra", "env"),
    [
        (False, [], {}),  # a pipe or a log file
        (True, ["--quiet"], {}),
        (True, [], {"AWS_LAMBDA_FUNCTION_NAME": "chargeback"}),
    ],
    ids=["not-a-tty", "quiet", "lambda"],
)
def test_no_progress_when_nobody_watches(
    export: Path, tmp_path: Path, tty: bool, extra: list[str], env: dict[str, str]
) -> None:
    args = ["run", str(export), "--period", "2026-10", "--out", str(tmp_path), *extra]
    code, err = run_cli(args, tty, env)
    assert code == 0, err
    assert "..." not in err
    assert (tmp_path / "2026-10" / "run.json").is_file()


def test_threads_and_memory_limit_reach_duckdb(export: Path, tmp_path: Path) -> None:
    args = ["run", str(export), "--period", "2026-10", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--threads", "1", "--memory-limit", "300MB"])
    assert result.exit_code == 0, result.output
    info = json.loads((tmp_path / "2026-10" / "run.json").read_text())
    # DuckDB reports the limit it applied, in binary units: 300 MB = 286.1 MiB
    duck = info["settings"]["duckdb"]
    assert (duck["threads"], duck["memory_limit"], duck["spilled_bytes"]) == (1, "286.1 MiB", 0)
    assert info["totals"][0]["export_bedrock_total"] == "4.50"


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--threads", "0", "--threads 0"),
        ("--memory-limit", "lots", "--memory-limit 'lots' is not a size DuckDB accepts"),
    ],
)
def test_bad_threads_or_memory_limit_is_a_config_error(
    export: Path, tmp_path: Path, option: str, value: str, named: str
) -> None:
    args = ["run", str(export), "--period", "2026-10", "--out", str(tmp_path), option, value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert named in result.output
    assert not (tmp_path / "2026-10").exists()


def test_engine_applies_its_settings() -> None:
    engine = Engine(threads=2, memory_limit="1GB")
    try:
        assert engine.settings() == {"threads": 2, "memory_limit": "953.6 MiB"}
    finally:
        engine.close()
    with pytest.raises(ConfigError, match="--memory-limit '12 parsecs' is not a size"):
        Engine(memory_limit="12 parsecs")


def test_engine_spills_to_a_private_temp_folder_it_removes() -> None:
    engine = Engine(threads=1, memory_limit="100MB")
    try:
        assert Path(engine.spill_dir).parent == Path(tempfile.gettempdir())
        engine.con.execute(
            "CREATE TEMP TABLE big AS SELECT repeat('x', 60) || range AS s FROM range(3000000)"
        )
        assert engine.con.execute("SELECT count(*) FROM big").fetchall() == [(3_000_000,)]
        assert engine.spilled_bytes() > 0
        assert any(Path(engine.spill_dir).iterdir())
    finally:
        engine.close()
    assert not Path(engine.spill_dir).exists()


def test_progress_steps_report_each_tenth_once() -> None:
    steps = ProgressSteps()
    seen = [p for p in (-1.0, 0.0, 4.0, 10.0, 12.0, 19.9, 35.0, 36.0, 40.0, 99.0, 100.0)
            if steps.passed(p)]  # fmt: skip
    assert seen == [10.0, 35.0, 40.0, 99.0]


def test_memory_is_bounded_by_default() -> None:
    engine = Engine()
    try:
        assert engine.settings()["memory_limit"] == "1.4 GiB"  # DEFAULT_MEMORY_LIMIT, 1536MB
    finally:
        engine.close()
