"""Running independent output writers side by side in forked processes.

Writing a month's statements is pure Python (XlsxWriter, csv) and bound by one core: for a
large month the consolidated workbook and the per-cost-center files each take a real share
of the run (benchmarks/RESULTS.md). The jobs share nothing but the (read-only) allocation,
so each worker process gets a share of them by ``fork``: the allocation is inherited, not
pickled, and only each job's small result comes back through a pipe. Where ``fork`` does
not exist, or with one worker, the jobs run one after the other in this process, with the
same results.

Before forking, the objects that exist are frozen out of the cyclic garbage collector
(``gc.freeze``): a collection walks every tracked object and writes to its header, and in a
forked process each such write copies the page it sits on (the write phase is measurably
faster frozen: benchmarks/RESULTS.md). They are unfrozen once the jobs end; left frozen,
they would never be freed.

A job that raises in a worker raises the same exception here (so an ``OSError`` is still
reported as an output error, and nothing is published); a worker that dies without a word
(killed, out of memory) is an ``OutputError``.

A worker dies with the process that forked it: on Linux the kernel sends it ``SIGKILL`` when
its parent dies (``prctl(PR_SET_PDEATHSIG)``, set through ``ctypes`` first thing in the
child); elsewhere a thread in the worker polls ``os.getppid()`` and ends it when the parent is
gone. Either way, a killed run leaves no writer behind writing into its staging folder.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from chargeback import crashpoints
from chargeback.errors import OutputError

#: One unit of work: how heavy it is (statement lines, roughly) and what to call.
Job = tuple[float, Callable[[], Any]]

#: Told how many jobs are done of how many, as they finish (at most about once a second,
#: and once when all are).
JobProgress = Callable[[int, int], None]

#: Seconds between two progress reports.
PROGRESS_EVERY = 1.0


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask where there is one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def run_jobs(jobs: Sequence[Job], workers: int, progress: JobProgress | None = None) -> list[Any]:
    """Run every job; their results in the order of ``jobs``. Up to ``workers`` processes
    (this one included), each given a share of the jobs balanced by weight. ``progress``:
    told how many jobs are done as they finish (every process writes a byte per job done to
    a pipe that a thread here reads, so the count moves while this process writes a long
    job of its own)."""
    workers = min(workers, len(jobs))
    if workers <= 1 or not hasattr(os, "fork"):
        reporter = _Reporter(len(jobs), progress)
        in_order = []
        for _weight, call in jobs:
            in_order.append(call())
            reporter.add(1)
        reporter.report()
        return in_order
    shares = balanced_shares([weight for weight, _call in jobs], workers)
    done_reader, done_writer = os.pipe() if progress is not None else (-1, -1)
    gc.freeze()  # no collection touches the inherited heap, in the workers or here
    try:
        children = [_start(share, jobs, done_writer) for share in shares[1:]]
        watcher = None
        if done_reader >= 0:
            watcher = threading.Thread(
                target=_Reporter(len(jobs), progress).watch,
                args=(done_reader,),
                name="write progress",
                daemon=True,
            )
            watcher.start()
        try:
            crashpoints.pause("write")
            results = _run_share(shares[0], jobs, done_writer)
        except BaseException:
            for pid, reader in children:  # reap the workers before reporting this failure
                _collect(pid, reader)
            raise
        finally:
            if done_writer >= 0:
                os.close(done_writer)  # the watcher ends once every worker has closed its end
            if watcher is not None:
                watcher.join()
        outcomes = [_collect(pid, reader) for pid, reader in children]
    finally:
        gc.unfreeze()
        if done_reader >= 0:
            os.close(done_reader)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        results.update(outcome)
    return [results[i] for i in range(len(jobs))]


class _Reporter:
    """Jobs done, told to ``progress`` at most every ``PROGRESS_EVERY`` seconds (and when a
    job ends after a quiet second, so elapsed time moves during a long job)."""

    def __init__(self, total: int, progress: JobProgress | None) -> None:
        self.total, self.done, self._progress = total, 0, progress
        self._last = time.monotonic()

    def add(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self._last >= PROGRESS_EVERY:
            self.report()

    def report(self) -> None:
        if self._progress is not None:
            try:
                self._progress(min(self.done, self.total), self.total)
            except Exception:  # noqa: BLE001 - progress is a courtesy; the writing goes on
                self._progress = None
        self._last = time.monotonic()

    def watch(self, reader: int) -> None:
        """Count the bytes written to ``reader``'s pipe until every writer has closed it."""
        while True:
            ready, _, _ = select.select([reader], [], [], PROGRESS_EVERY)
            if ready:
                data = os.read(reader, 4096)
                if not data:
                    break
                self.done += len(data)
            if time.monotonic() - self._last >= PROGRESS_EVERY:
                self.report()
        self.report()


def balanced_shares(weights: Sequence[float], workers: int) -> list[list[int]]:
    """Job indexes split into ``workers`` shares, heaviest job first onto the lightest share
    (longest processing time first); every share keeps its jobs in their original order."""
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for i in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        lightest = loads.index(min(loads))
        shares[lightest].append(i)
        loads[lightest] += max(weights[i], 0.0)
    return [sorted(share) for share in shares if share]


def _run_share(share: Sequence[int], jobs: Sequence[Job], done_writer: int = -1) -> dict[int, Any]:
    results = {}
    for i in share:
        results[i] = jobs[i][1]()
        if done_writer >= 0:
            os.write(done_writer, b"\x01")
    return results


def _start(share: Sequence[int], jobs: Sequence[Job], done_writer: int = -1) -> tuple[int, int]:
    reader, writer = os.pipe()
    parent = os.getpid()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a multi-threaded process may deadlock the child if
        # another thread held a lock. The DuckDB connection is closed by now and the child
        # only runs the writers (pure Python, no pyarrow or DuckDB), so no such lock is taken.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the worker: run its share, send the outcome, and leave without unwinding
        code = 1
        try:
            _die_with(parent)
            crashpoints.pause("writer")
            os.close(reader)
            try:
                payload = pickle.dumps(("ok", _run_share(share, jobs, done_writer)))
            except BaseException as e:  # noqa: BLE001 - every failure goes to the parent
                payload = _error_payload(e)
            if done_writer >= 0:
                # before the result, which may fill its pipe until the parent reads it: the
                # parent reads this one until every worker has closed it
                os.close(done_writer)
            with os.fdopen(writer, "wb") as out:
                out.write(payload)
            code = 0
        finally:
            os._exit(code)  # never run the parent's cleanup (staging folders, atexit)
    os.close(writer)
    return pid, reader


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End this (forked) process when ``parent`` dies; see the module's docstring."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent died before the call: nobody to tell
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="die with parent", daemon=True).start()


def _error_payload(e: BaseException) -> bytes:
    try:
        return pickle.dumps(("error", e))
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled
        return pickle.dumps(("error", OutputError(f"{type(e).__name__}: {e}")))


def _collect(pid: int, reader: int) -> dict[int, Any] | BaseException:
    """A worker's results, or the exception it raised (or that says it died)."""
    try:
        return _finish(pid, reader)
    except BaseException as e:  # noqa: BLE001 - handed back, raised by the caller
        return e


def _finish(pid: int, reader: int) -> dict[int, Any]:
    with os.fdopen(reader, "rb") as pipe:
        payload = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    if not payload:
        how = (
            f"killed by signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit status {os.waitstatus_to_exitcode(status)}"
        )
        raise OutputError(
            f"a statement writer process ended without a result ({how}); nothing was "
            "published: run again, or with --threads 1 to write in one process"
        )
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise value
    return dict(value)
