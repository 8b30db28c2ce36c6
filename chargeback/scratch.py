"""A run's private working folders (staging, DuckDB spill) and removing those a dead run left.

``make`` creates a folder and holds an exclusive ``flock`` on it for as long as this process
(or a writer it forked) lives; the kernel drops the lock when the last of them ends, however
it ends (``kill -9`` included). ``remove_stale`` removes a folder only when all of these
hold: its name is one of the tool's own (``pattern``), it is a real folder owned by this
user (not a symlink), it is older than this process, and no live process holds its lock.
So a run started later never loses its folder to this one, and nothing else is touched.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, so nothing is ever removed
    fcntl = None  # type: ignore[assignment]

#: When this process loaded the tool: a folder made after it belongs to a live run.
STARTED = time.time()

_held: dict[str, int] = {}  # folder -> the open descriptor that holds its lock


def make(parent: Path, prefix: str) -> Path:
    """A new, empty folder ``parent/<prefix><random>``, locked until ``release``."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    if fcntl is not None:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: then no run ever removes it either
            os.close(fd)
            return path
        _held[str(path)] = fd
    return path


def release(path: Path) -> None:
    """Drop the lock on ``path`` (a renamed folder keeps its lock until then)."""
    fd = _held.pop(str(path), None)
    if fd is not None:
        os.close(fd)


def remove(path: Path) -> None:
    """Release and delete a folder of this run."""
    release(path)
    shutil.rmtree(path, ignore_errors=True)


def move(path: Path, to: Path) -> None:
    """Rename a folder of this run; its lock goes with it."""
    os.rename(path, to)
    if str(path) in _held:
        _held[str(to)] = _held.pop(str(path))


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s exclusive lock for the block (others wait), then ``fsync`` the folder
    so the renames done in it are on disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        if fcntl is not None:
            with suppress(OSError):  # a file system without locks: runs do not take turns
                fcntl.flock(fd, fcntl.LOCK_EX)
        yield
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale(parent: Path, pattern: re.Pattern[str]) -> list[Path]:
    """Remove the folders in ``parent`` whose names match ``pattern`` and that a dead run left
    (see the module's docstring); the folders removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if pattern.fullmatch(entry.name) and _is_stale(entry):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _is_stale(entry: os.DirEntry[str]) -> bool:
    if fcntl is None:
        return False
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mtime >= STARTED:
        return False
    try:
        fd = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live run holds it
    finally:
        os.close(fd)  # the lock, if taken, goes with it: the folder is never reused
    return True
