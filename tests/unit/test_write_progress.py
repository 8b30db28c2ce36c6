"""Progress of the write phase (issue 19): the jobs done, counted across the forked workers,
reach the total; the count never goes back; a failing progress callback stops nothing."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest

from chargeback.report import workers
from chargeback.report.workers import Job, run_jobs

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")


def _jobs(folder: Path, n: int) -> list[Job]:
    def job(i: int) -> int:
        (folder / f"{i}.txt").write_text(str(i), encoding="utf-8")
        return i * 2

    return [(float(1 + i % 4), partial(job, i)) for i in range(n)]


@needs_fork
@pytest.mark.parametrize("n_workers", [1, 2, 3])
def test_progress_counts_every_job_of_every_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n_workers: int
) -> None:
    monkeypatch.setattr(workers, "PROGRESS_EVERY", 0.0)  # report on every count
    seen: list[tuple[int, int]] = []
    results = run_jobs(_jobs(tmp_path, 40), n_workers, lambda d, t: seen.append((d, t)))
    assert results == [i * 2 for i in range(40)]
    assert len(list(tmp_path.glob("*.txt"))) == 40
    assert seen[-1] == (40, 40)
    assert all(t == 40 for _, t in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)  # never goes back
    if n_workers == 1:  # in one process each job is counted as it ends
        assert done == list(range(1, 41)) + [40]


@needs_fork
def test_a_failing_progress_callback_stops_nothing(tmp_path: Path) -> None:
    def broken(_done: int, _total: int) -> None:
        raise BrokenPipeError("stderr closed")

    results = run_jobs(_jobs(tmp_path, 12), 2, broken)
    assert results == [i * 2 for i in range(12)]
    assert len(list(tmp_path.glob("*.txt"))) == 12
