"""A real ``chargeback run`` killed with SIGKILL at each stage: the month's folder is always
there and whole, no writer outlives its run, and the next run removes what the dead one left.

The run is held at a named point with ``CHARGEBACK_TEST_PAUSE`` (``chargeback.crashpoints``)
and killed there; ``TMPDIR`` points at a folder of the test, so DuckDB's spill folders of the
run are the test's to inspect.
"""

from __future__ import annotations

import csv
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from chargeback import scratch
from tests.support.builders import tagged, write
from tests.support.runs import RunFn, summary
from tests.support.s3server import S3

PERIOD = "2026-10"
COSTS = {"CC-1": (1.25, 2.5), "CC-2": (4.0,), "CC-3": (0.75, 0.5)}
_PAUSED = re.compile(r"chargeback: paused at (\w+) \(pid (\d+)\)")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux signals")


def export(root: Path, scale: int) -> tuple[Path, dict[str, Decimal]]:
    """An export whose costs are ``COSTS`` times ``scale``, and each cost center's sum."""
    rows = [tagged(f"p-{cc}", cc, cost * scale) for cc, costs in COSTS.items() for cost in costs]
    write(root / "a.parquet", rows)
    sums = {
        cc: sum((Decimal(str(c * scale)) for c in costs), Decimal(0)) for cc, costs in COSTS.items()
    }
    return root, sums


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


class Run:
    """``chargeback run`` in a child process, its stderr read line by line."""

    started: list[Run] = []

    def __init__(self, source: Path, out: Path | str, env: dict[str, str], pause: str = "") -> None:
        env = dict(env)
        if pause:
            env["CHARGEBACK_TEST_PAUSE"] = pause
        args = [sys.executable, "-m", "chargeback", "run", str(source), "--period", PERIOD]
        self.proc = subprocess.Popen(
            [*args, "--out", str(out), "--threads", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        Run.started.append(self)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def paused_at(self, point: str) -> int:
        """Wait until a process of the run is held at ``point``; its pid."""
        while True:
            try:
                line = self.lines.get(timeout=120)
            except queue.Empty:
                pytest.fail(f"the run never reached {point}")
            match = _PAUSED.match(line)
            if match and match.group(1) == point:
                return int(match.group(2))
            assert self.proc.poll() is None, f"the run ended before {point}: {line}"

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=60) == -signal.SIGKILL


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    temp = tmp_path / "tmp"
    temp.mkdir()
    names = ("CHARGEBACK_TEST_PAUSE", "CHARGEBACK_CONFIG", "CHARGEBACK_THREADS")
    yield {**{k: v for k, v in os.environ.items() if k not in names}, "TMPDIR": str(temp)}
    for run in Run.started:  # a failed test leaves no run behind
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()
    Run.started.clear()


def finish(source: Path, out: Path | str, env: dict[str, str]) -> None:
    run = Run(source, out, env)
    assert run.proc.wait(timeout=300) == 0, "".join(list(run.lines.queue))


def runs_of(out: Path) -> list[str]:
    return sorted(p.name for p in (out / f"{PERIOD}.runs").iterdir())


def eventually(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Whether ``condition`` holds within ``seconds`` (a bound for a stuck test, not a
    measurement)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_killed_while_writing_leaves_the_month_whole_and_the_next_run_cleans_up(
    tmp_path: Path, run_on: RunFn, env: dict[str, str]
) -> None:
    out = tmp_path / "out"
    first_source, first_sums = export(tmp_path / "first", 1)
    first = run_on(first_source, out=out)
    assert summary(first) == first_sums
    before = files(out / PERIOD)

    source, sums = export(tmp_path / "second", 3)
    run = Run(source, out, env, pause="write")
    run.paused_at("write")
    (stage,) = (out / f"{PERIOD}.runs").glob(".staging-*")
    assert eventually(lambda: any(p.is_file() for p in stage.rglob("*")))  # writers wrote a part
    run.kill()

    assert files(out / PERIOD) == before  # the month is there, the previous set, whole
    assert stage.is_dir()  # what the killed run left...

    finish(source, out, env)
    assert not list((out / f"{PERIOD}.runs").glob(".staging-*"))  # ...the next run removed
    assert len(runs_of(out)) == 2  # the new set and the one it replaced
    written = {cc: Decimal(a) for cc, a in _summary_csv(out / PERIOD).items()}
    assert written == sums


def test_killed_between_the_renames_the_month_stays_the_previous_set(
    tmp_path: Path, run_on: RunFn, env: dict[str, str]
) -> None:
    out = tmp_path / "out"
    run_on(export(tmp_path / "first", 1)[0], out=out)
    before = files(out / PERIOD)
    current = (out / PERIOD).resolve().name

    source, sums = export(tmp_path / "second", 2)
    run = Run(source, out, env, pause="publish")
    run.paused_at("publish")
    assert len(runs_of(out)) == 2  # the complete new set is in place, not yet the month's
    assert files(out / PERIOD) == before
    run.kill()
    assert files(out / PERIOD) == before
    (orphan,) = set(runs_of(out)) - {current}
    assert files(out / f"{PERIOD}.runs" / orphan) != before

    finish(source, out, env)
    assert orphan not in runs_of(out)  # the set nobody linked is removed
    assert current in runs_of(out)  # the set replaced is kept
    written = {cc: Decimal(a) for cc, a in _summary_csv(out / PERIOD).items()}
    assert written == sums


def test_writers_die_with_their_killed_run(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "out"
    source, _ = export(tmp_path / "e", 1)
    run = Run(source, out, env, pause="writer")
    writer = run.paused_at("writer")
    assert writer != run.proc.pid and alive(writer)
    try:
        run.kill()
        assert eventually(lambda: not alive(writer)), "a statement writer outlived its run"
    finally:
        if alive(writer):
            os.kill(writer, signal.SIGKILL)
    assert not (out / PERIOD).exists()  # never published
    finish(source, out, env)
    assert not list((out / f"{PERIOD}.runs").glob(".staging-*"))
    assert len(runs_of(out)) == 1


def test_spill_folders_of_dead_runs_go_and_only_those(tmp_path: Path, env: dict[str, str]) -> None:
    temp = Path(env["TMPDIR"])
    out = tmp_path / "out"
    source, _ = export(tmp_path / "e", 1)
    run = Run(source, out, env, pause="scan")
    run.paused_at("scan")
    (spill,) = temp.glob("chargeback-duckdb-*")
    run.kill()
    assert spill.is_dir()

    held = scratch.make(temp, "chargeback-duckdb-")  # a live run's (this process holds it)
    others = [temp / "chargeback-duckdb", temp / "someone-else", temp / "chargeback-duckdbx"]
    for folder in others:
        folder.mkdir()
    try:
        finish(source, out, env)
        assert not spill.exists()
        assert held.is_dir()
        assert all(folder.is_dir() for folder in others)
    finally:
        scratch.remove(held)


def test_a_month_an_older_version_wrote_becomes_the_replaced_set(
    tmp_path: Path, run_on: RunFn, env: dict[str, str]
) -> None:
    out = tmp_path / "out"
    published = run_on(export(tmp_path / "first", 1)[0], out=out)
    old = tmp_path / "old"
    shutil.copytree(Path(published.output_dir).resolve(), old)
    shutil.rmtree(out)
    out.mkdir()
    shutil.copytree(old, out / PERIOD)  # what versions before the symlink wrote
    (out / f".{PERIOD}.staging-ab12cd").mkdir()  # and what they left when killed
    (out / f".{PERIOD}.staging-ab12cd" / "run.json").write_text("{")
    (out / f".{PERIOD}.old-0123abcd").mkdir()

    source, sums = export(tmp_path / "second", 2)
    run = Run(source, out, env, pause="write")
    run.paused_at("write")  # the leftovers are gone before writing starts
    assert sorted(p.name for p in out.iterdir()) == [PERIOD, f"{PERIOD}.runs"]
    assert files(out / PERIOD) == files(old)
    run.kill()

    finish(source, out, env)
    assert (out / PERIOD).is_symlink()
    assert sorted(p.name for p in out.iterdir()) == [PERIOD, f"{PERIOD}.history", f"{PERIOD}.runs"]
    (replaced,) = set(runs_of(out)) - {(out / PERIOD).resolve().name}
    assert files(out / f"{PERIOD}.runs" / replaced) == files(old)
    written = {cc: Decimal(a) for cc, a in _summary_csv(out / PERIOD).items()}
    assert written == sums


def test_a_month_left_without_its_link_is_linked_again_before_writing(
    tmp_path: Path, run_on: RunFn, env: dict[str, str]
) -> None:
    """An older version killed between its renames left ``.YYYY-MM.old-*`` and no month."""
    out = tmp_path / "out"
    published = run_on(export(tmp_path / "first", 1)[0], out=out)
    old = tmp_path / "old"
    shutil.copytree(Path(published.output_dir).resolve(), old)
    shutil.rmtree(out)
    out.mkdir()
    shutil.copytree(old, out / f".{PERIOD}.old-9f8e7d6c")

    source, _ = export(tmp_path / "second", 2)
    run = Run(source, out, env, pause="write")
    run.paused_at("write")
    assert files(out / PERIOD) == files(old)  # the month is back while the run writes
    assert not (out / f".{PERIOD}.old-9f8e7d6c").exists()
    run.kill()
    assert files(out / PERIOD) == files(old)


def _summary_csv(month: Path) -> dict[str, str]:
    with (month / f"chargeback-{PERIOD}-summary.csv").open(encoding="utf-8") as handle:
        return {r["cost_center"]: r["amount"] for r in csv.DictReader(handle)}


def test_the_s3_staging_folder_of_a_killed_run_goes_with_the_next_run(
    tmp_path: Path, s3: S3, env: dict[str, str]
) -> None:
    env = {**env, **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}
    s3.client.create_bucket(Bucket="crash-out")
    source, _ = export(tmp_path / "e", 1)
    run = Run(source, "s3://crash-out/chargeback", env, pause="write")
    run.paused_at("write")
    (stage,) = Path(env["TMPDIR"]).glob(f"chargeback-{PERIOD}-*")
    run.kill()
    assert stage.is_dir()
    assert s3.keys("crash-out") == []  # nothing was published

    finish(source, "s3://crash-out/chargeback", env)
    assert not stage.exists()
    assert f"chargeback/{PERIOD}/current.json" in s3.keys("crash-out")
