"""Publishing a month's statements to a local folder: readers never see a partial, mixed or
missing set, whenever the run is killed.

::

    OUT/2026-10 -> 2026-10.runs/20261102T031500Z-1a2b3c4d5e6f   a relative symlink
    OUT/2026-10.runs/20261102T031500Z-1a2b3c4d5e6f/              the current set
    OUT/2026-10.runs/20261101T174000Z-0f9e8d7c6b5a/              the set it replaced
    OUT/2026-10.runs/.staging-k2j4h5/                            a run writing

A run renders into its own staging folder in ``OUT/YYYY-MM.runs/`` (locked while the run
lives: ``chargeback.scratch``). When every file is complete, it renames the folder to its run
id, makes a temporary symlink to it and renames that over ``OUT/YYYY-MM``: rename(2)
replaces the link in one step, so ``OUT/YYYY-MM/<file>`` always opens a file of one whole
set. Every set ever published stays (issue 18: a re-run never destroys what was booked),
and each switch appends a ``run`` event to the month's history, ``OUT/YYYY-MM.history/``
(``chargeback.publish.history``). These steps of runs into the same ``OUT`` take turns (a
lock on ``OUT``).

Killed while writing, a run leaves its staging folder, which the next run removes; killed
between the two renames, a complete set the month does not name and the history does not
list, which the next run removes. Killed after the switch but before the history was
written, the set is logged when the next run replaces it.
A month published by an older version (``OUT/YYYY-MM`` a real folder) is swapped with the
link in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``) and kept as the replaced set;
where the system cannot swap, it is moved first, and if a kill falls between the two
renames, the next run links the newest set again. So do the leftovers of older versions
(``.YYYY-MM.old-*``, ``.YYYY-MM.staging-*``).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chargeback import crashpoints, scratch
from chargeback.errors import MonthStateError, OutputError
from chargeback.publish import history
from chargeback.publish.history import Event, EventTaken, PublishedSet
from chargeback.run_record import RECORD_KEYS

RUNS = ".runs"  # OUT/YYYY-MM.runs/
HISTORY = ".history"  # OUT/YYYY-MM.history/
ADJUSTMENTS = ".adjustments"  # OUT/YYYY-MM.adjustments/<id>/
ADJUSTMENT_RECORD = "adjustment.json"
STAGING = ".staging-"
_RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{12}")
_STALE_STAGING = re.compile(r"\.staging-\w+")
_OLD_VERSION_STAGING = re.compile(r"\.\d{4}-\d{2}\.staging-\w+")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class LocalDestination:
    """A folder on the local disk."""

    superseded_by: str | None = None  # the last switch wins

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def uri(self) -> str:
        return str(self.root)

    def location(self, period: str, name: str = "") -> str:
        return str(self.root / period / name) if name else str(self.root / period)

    def runs(self, period: str) -> Path:
        """The folder holding the month's sets."""
        return self.root / f"{period}{RUNS}"

    def published_run(self, period: str) -> tuple[str, dict[str, Any]] | None:
        """The month's ``run.json`` (the fields a published month is read for:
        ``run_record.RECORD_KEYS``); None when the month was never published here."""
        path = self.root / period / "run.json"
        if not path.is_file():
            return None
        return str(path), history.record_fields(path, RECORD_KEYS)

    def history(self, period: str) -> Path:
        """The folder holding the month's events."""
        return self.root / f"{period}{HISTORY}"

    def events(self, period: str) -> list[Event]:
        folder = self.history(period)
        try:
            names = sorted(os.listdir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return []  # no history yet (or OUT is no folder: publishing will say so)
        except OSError as e:
            raise OutputError(f"cannot read the history {folder}: {e.strerror}") from e
        found = []
        for name in names:
            if history.parse_name(name) is None:
                continue
            try:
                data = (folder / name).read_bytes()
            except OSError as e:
                raise OutputError(f"cannot read {folder / name}: {e.strerror}") from e
            event = history.decode(name, data, str(folder / name))
            if event is not None:
                found.append(event)
        return found

    def adjustments(self, period: str) -> Path:
        return self.root / f"{period}{ADJUSTMENTS}"

    def read_recorded(self, period: str, kind: str, record_id: str, name: str) -> bytes:
        folder = self.runs(period) if kind == history.RUN else self.adjustments(period)
        path = folder / record_id / name
        try:
            return path.read_bytes()
        except OSError as e:
            raise OutputError(
                f"cannot read {path}: {e.strerror}; the month's history names it, so restore "
                "it from a backup"
            ) from e

    @contextmanager
    def adjustment_staging(self, period: str, adjustment_id: str) -> Iterator[Path]:
        folder = self.adjustments(period)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with scratch.locked(self.root):
                scratch.remove_stale(folder, _STALE_STAGING)
            stage = scratch.make(folder, STAGING)
        except OSError as e:
            raise OutputError(f"cannot create the folder {folder}: {e.strerror}") from e
        try:
            yield stage
            os.chmod(stage, 0o755)
            target = folder / adjustment_id
            scratch.move(stage, target)
            scratch.release(target)
        except BaseException:
            scratch.remove(stage)
            raise

    def adjustment_location(self, period: str, adjustment_id: str) -> str:
        return str(self.adjustments(period) / adjustment_id)

    def discard_adjustment(self, period: str, adjustment_id: str) -> None:
        shutil.rmtree(self.adjustments(period) / adjustment_id, ignore_errors=True)

    def adjustment_sets(self, period: str) -> dict[str, dict[str, Any] | None]:
        folder = self.adjustments(period)
        try:
            names = sorted(p.name for p in folder.iterdir() if p.is_dir())
        except OSError:
            return {}
        found: dict[str, dict[str, Any] | None] = {}
        for name in names:
            if history.ADJUSTMENT_ID.fullmatch(name) is None:
                continue
            try:
                record = json.loads((folder / name / ADJUSTMENT_RECORD).read_bytes())
            except (OSError, ValueError):
                record = None
            found[name] = record if isinstance(record, dict) else None
        return found

    def seal(self, period: str, set_id: str, token: str) -> None:
        """Nothing to mark: a close holds the lock on OUT that runs publish under."""

    def unseal(self, period: str) -> None:
        """Nothing to unmark (see ``seal``)."""

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"cannot create the output folder {self.root}: {e.strerror}") from e
        with scratch.locked(self.root):
            yield

    def published_set(self, period: str) -> PublishedSet | None:
        final = self.root / period
        if not final.exists():
            return None
        folder = final.resolve()
        try:
            digests = {
                p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*"))
                if p.is_file()
            }
        except OSError as e:
            raise OutputError(f"cannot read the published set {folder}: {e.strerror}") from e
        return PublishedSet(folder.name, _read_record(folder / "run.json"), digests)

    def write_event(self, period: str, event: Event) -> None:
        """Write the event's file once: a complete temporary file hard-linked to its name
        (link(2) fails when the name exists, like ``O_EXCL``), so no reader sees half."""
        folder = self.history(period)
        temp = folder / f".tmp-{uuid.uuid4().hex}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(temp, "xb") as handle:
                handle.write(history.encode(event))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temp, folder / event.name)
            except FileExistsError as e:
                raise EventTaken(event.name) from e
        except OSError as e:
            raise OutputError(f"cannot record in {folder}: {e.strerror}") from e
        finally:
            with suppress(OSError):
                temp.unlink()

    @contextmanager
    def staging(self, period: str) -> Iterator[Path]:
        runs = self.runs(period)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with scratch.locked(self.root):
                runs.mkdir(exist_ok=True)
                self._tidy(period)
                stage = scratch.make(runs, STAGING)
        except OSError as e:
            raise OutputError(f"cannot create the output folder {self.root}: {e.strerror}") from e
        try:
            yield stage
            self._publish(stage, period)
        except BaseException:
            scratch.remove(stage)
            with suppress(OSError), scratch.locked(self.root):
                if not os.path.lexists(self.root / period):
                    runs.rmdir()  # the month's first run failed: leave nothing (if empty)
            raise

    def _publish(self, stage: Path, period: str) -> None:
        final = self.root / period
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"
        target = self.runs(period) / run_id
        try:
            os.chmod(stage, 0o755)
            with scratch.locked(self.root):
                _refuse_closed(period, self.events(period))
                scratch.move(stage, target)
                try:
                    crashpoints.pause("publish")
                    replaced = self._switch(final, run_id)
                except BaseException:
                    scratch.remove(target)
                    raise
                self._log(period, replaced, run_id)
                self._prune(period, keep={run_id, replaced})
        except OSError as e:
            raise OutputError(f"cannot publish the statements to {final}: {e.strerror}") from e
        finally:
            scratch.release(target)

    def _switch(self, final: Path, run_id: str) -> str | None:
        """Point ``final`` at ``run_id``'s set in one step; the run id of the set replaced."""
        runs = final.with_name(final.name + RUNS)
        link = final.with_name(f".{final.name}.link-{uuid.uuid4().hex}")
        os.symlink(Path(runs.name) / run_id, link)
        try:
            if final.is_symlink():
                replaced: str | None = Path(os.readlink(final)).name
                os.rename(link, final)
            elif final.is_dir():  # published by an older version: keep it as the replaced set
                replaced = _old_run_id(final)
                if _exchange(link, final):
                    os.rename(link, runs / replaced)  # ``link`` now names the old folder
                else:
                    os.rename(final, runs / replaced)
                    os.rename(link, final)  # killed before this: the next run's _recover
            else:
                replaced = None
                os.rename(link, final)
        finally:
            if link.is_symlink():
                link.unlink()
        return replaced

    def _tidy(self, period: str) -> None:
        """What dead runs left: their staging folders, temporary links, and a month that a
        kill left without its link (linked again to its newest complete set)."""
        for runs in self.root.glob(f"*{RUNS}"):
            scratch.remove_stale(runs, _STALE_STAGING)
        scratch.remove_stale(self.root, _OLD_VERSION_STAGING)
        for link in self.root.glob(".*.link-*"):
            if link.is_symlink():  # made and renamed under the lock held now: a dead run's
                link.unlink()
        self._recover(period)

    def _recover(self, period: str) -> None:
        final = self.root / period
        old = re.compile(rf"\.{re.escape(period)}\.old-[0-9a-f]+")
        if final.exists():  # present and resolving: what older versions left is garbage
            scratch.remove_stale(self.root, old)
            return
        runs = self.runs(period)
        olds = [p for p in self.root.iterdir() if old.fullmatch(p.name) and p.is_dir()]
        if olds:  # an older version was killed between its renames: this is the month's set
            newest = max(olds, key=lambda p: p.stat().st_mtime)
            os.rename(newest, runs / _old_run_id(newest))
            scratch.remove_stale(self.root, old)
        sets = sorted(p.name for p in runs.iterdir() if _RUN_ID.fullmatch(p.name))
        if sets:
            if final.is_symlink():  # dangling
                final.unlink()
            self._switch(final, sets[-1])

    def _log(self, period: str, replaced: str | None, run_id: str) -> None:
        """Append ``run`` events for the set just published and, if the history does not
        list it yet (published by an older version, or a kill before it was logged), for
        the set it replaced."""
        logged = history.logged_sets(self.events(period))
        for set_id in (replaced, run_id):
            if set_id is None or set_id in logged:
                continue
            record = _read_record(self.runs(period) / set_id / "run.json", history.RUN_EVENT_KEYS)
            at = datetime.now(UTC).isoformat(timespec="seconds")
            history.append(
                self, period, history.RUN, _always(history.run_event(record, set_id, at))
            )

    def _prune(self, period: str, keep: set[str | None]) -> None:
        """Remove the complete sets no one published (a kill between the renames)."""
        logged = history.logged_sets(self.events(period))
        for folder in self.runs(period).iterdir():
            name = folder.name
            if _RUN_ID.fullmatch(name) and name not in keep and name not in logged:
                shutil.rmtree(folder, ignore_errors=True)


def _refuse_closed(period: str, events: list[Event]) -> None:
    """A month closed while this run was writing is not replaced (the close holds the lock
    on OUT while it decides, so it cannot fall between this check and the switch)."""
    close = history.in_force_close(events)
    if close is not None:
        raise MonthStateError(
            f"{period} was closed (history event {close.seq}) while this run was writing: "
            "nothing was published; run again"
        )


def _always(body: dict[str, Any]) -> Callable[[list[Event]], dict[str, Any]]:
    return lambda _events: body


def _read_record(path: Path, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The run.json at ``path`` (only its top-level ``keys``, when given)."""
    try:
        if keys is not None:
            return history.record_fields(path, keys)
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a set without a readable run.json is still logged, without totals
    return doc if isinstance(doc, dict) else {}


def _old_run_id(folder: Path) -> str:
    """A run id for a set an older version published, from the time it was written."""
    written = datetime.fromtimestamp(folder.stat().st_mtime, UTC)
    return f"{written:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names in one step (Linux ``renameat2``); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    c_int, c_path = ctypes.c_int, ctypes.c_char_p
    renameat2.argtypes = [c_int, c_path, c_int, c_path, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
