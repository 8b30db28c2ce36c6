"""Writers side by side: forked worker processes give the same files as one process, and
a failure in any worker stops the run with nothing published."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import openpyxl
import pytest

from chargeback.errors import OutputError
from chargeback.report.workers import balanced_shares, run_jobs
from tests.support.paths import SAMPLE
from tests.support.runs import RunFn

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")


def _no_zombies() -> bool:
    try:
        return os.waitpid(-1, os.WNOHANG) == (0, 0)
    except ChildProcessError:  # no child process left at all
        return True


def test_shares_are_balanced_by_weight_and_keep_order() -> None:
    assert balanced_shares([10, 1, 1, 1, 9], 2) == [[0, 2], [1, 3, 4]]  # loads 11 and 11
    assert balanced_shares([1, 1, 1], 5) == [[0], [1], [2]]
    shares = balanced_shares([5, 4, 3, 3, 3], 2)
    assert sorted(i for s in shares for i in s) == [0, 1, 2, 3, 4]
    loads = [sum([5, 4, 3, 3, 3][i] for i in s) for s in shares]
    assert sorted(loads) == [8, 10]  # greedy, not optimal (9, 9): within 4/3 of it


@needs_fork
@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_results_come_back_in_job_order(workers: int) -> None:
    jobs = [(float(i % 3 + 1), lambda i=i: (i, i * i)) for i in range(7)]
    assert run_jobs(jobs, workers) == [(i, i * i) for i in range(7)]
    assert _no_zombies()


@needs_fork
def test_jobs_really_run_in_other_processes() -> None:
    pids = run_jobs([(1.0, os.getpid), (1.0, os.getpid)], 2)
    assert pids[0] == os.getpid()  # the heaviest share stays in this process
    assert pids[1] != os.getpid()
    assert run_jobs([(1.0, os.getpid), (1.0, os.getpid)], 1) == [os.getpid()] * 2


@needs_fork
def test_an_exception_in_a_worker_is_raised_here_with_its_type() -> None:
    def disk_full() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left on device") as raised:
        run_jobs([(5.0, lambda: 1), (1.0, disk_full)], 2)
    assert raised.value.errno == 28
    assert _no_zombies()


@needs_fork
def test_an_exception_here_still_reaps_the_workers(tmp_path: Path) -> None:
    done = tmp_path / "worker-done"

    def boom() -> None:
        raise ValueError("in the parent's share")

    with pytest.raises(ValueError, match="parent's share"):
        run_jobs([(5.0, boom), (1.0, lambda: done.write_text("x"))], 2)
    assert done.read_text() == "x"  # the worker finished its job before being reaped
    assert _no_zombies()


@needs_fork
def test_a_worker_that_dies_is_an_output_error() -> None:
    def killed() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(OutputError, match=r"ended without a result \(killed by signal 9\)"):
        run_jobs([(5.0, lambda: 1), (1.0, killed)], 2)
    assert _no_zombies()


@needs_fork
def test_one_process_and_several_write_the_same_statement_set(
    run_on: RunFn, tmp_path: Path
) -> None:
    one = run_on(SAMPLE, threads=1, out=tmp_path / "one")
    four = run_on(SAMPLE, threads=4, out=tmp_path / "four")
    a, b = Path(one.output_dir), Path(four.output_dir)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert len([f for f in files if f.parts[0] == "statements"]) == 6  # 3 cost centers x 2
    run_ids = (one.run_id, four.run_id)
    stamps = (one.generated_at, four.generated_at)
    for name in files:
        if name.suffix == ".csv":
            text = (a / name).read_text(encoding="utf-8")
            other = (b / name).read_text(encoding="utf-8").replace(run_ids[1], run_ids[0])
            assert text == other, name
        elif name.suffix == ".xlsx":
            assert _cells(a / name, run_ids, stamps) == _cells(b / name, run_ids, stamps), name


def _cells(path: Path, run_ids: tuple[str, str], stamps: tuple[str, str]) -> dict[str, object]:
    """Every cell's value (the run's id and time made equal), by sheet and coordinate."""
    found: dict[str, object] = {}
    for ws in openpyxl.load_workbook(path):
        for row in ws.iter_rows():
            for c in row:
                value = c.value
                if isinstance(value, str):
                    value = value.replace(run_ids[1], run_ids[0]).replace(stamps[1], stamps[0])
                found[f"{ws.title}!{c.coordinate}"] = value
    return found
