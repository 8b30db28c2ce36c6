"""Finding a month's Bedrock model invocation logs, locally or on S3, and naming a bad one.

AWS writes them as gzipped JSON Lines,
``<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz``;
bodies too large for a record go to objects under ``.../HH/data/``, which are not records and
are never opened. The objects of the period's days (and the first day after it: a record
near midnight is delivered in the next hour's folder) are listed; DuckDB reads them
(``queries/16_invocation_log_tokens.sql``), and the run keeps only records whose timestamp
falls in the period. On S3 the objects are fetched into a private working folder first
(DuckDB's httpfs is not used), through the same pyarrow S3 filesystem as the export.

A log that cannot be read whole (a truncated gzip, a line that is not JSON, a record that is
not a ``ModelInvocationLog``) is an error naming the object and the line: skipping it would
shift shares between cost centers without a word.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from chargeback import scratch
from chargeback.errors import InputError, first_line
from chargeback.settings.model import Period

SCHEMA_TYPE = "ModelInvocationLog"
#: The folders below the prefix: account, region, date and hour of delivery, then the object.
LOG_KEY = re.compile(
    r"(?:^|/)AWSLogs/(?P<account>[^/]+)/BedrockModelInvocationLogs/(?P<region>[^/]+)/"
    r"(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<hour>\d{2})/[^/]+\.json\.gz$"
)
ROOT_FOLDER = "AWSLogs"
WORK_PREFIX = "chargeback-logs-"
_WORK = re.compile(rf"{WORK_PREFIX}\w+")
_FETCH_WORKERS = 16


@dataclass(frozen=True)
class LogObject:
    """One log object: where it is (``uri``, as messages name it) and where DuckDB reads it."""

    uri: str
    path: str
    account: str
    region: str
    size: int


@dataclass
class LogObjects:
    """The log objects of one period; ``close`` removes what was fetched from S3."""

    location: str
    objects: tuple[LogObject, ...]
    work_dir: Path | None = field(default=None, repr=False)

    @property
    def regions(self) -> tuple[tuple[str, str], ...]:
        """(account, region) pairs that delivered logs in the period."""
        return tuple(sorted({(o.account, o.region) for o in self.objects}))

    def close(self) -> None:
        if self.work_dir is not None:
            scratch.remove(self.work_dir)
            self.work_dir = None


def log_days(period: Period) -> tuple[date, date]:
    """The delivery days listed for ``period``: its days and the first day after it."""
    return period.start, period.end + timedelta(days=1)


def in_days(key: str, period: Period) -> re.Match[str] | None:
    """The key's parts when it is a log record object delivered on a day listed for
    ``period`` (never a ``.../HH/data/`` body object), else None."""
    match = LOG_KEY.search(key)
    if match is None:
        return None
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    first, last = log_days(period)
    return match if first <= day < last else None


def month_folders(
    subfolders: Callable[[str], list[str]], root: str, period: Period
) -> list[str] | None:
    """The folders to list for ``period`` below ``root`` when it holds ``AWSLogs/``: for each
    account and region, ``YYYY/MM/`` of the period and the first day after it (so a month of
    logs is found without listing years of them). None when ``root`` holds no ``AWSLogs/``
    (a deeper location): then everything below it is listed. ``subfolders(path)`` names
    the folders in ``path``."""
    top = f"{root.rstrip('/')}/{ROOT_FOLDER}"
    if top not in subfolders(root.rstrip("/") or "/"):
        return None
    first, last = log_days(period)
    months = [f"{first:%Y/%m}", f"{(last - timedelta(days=1)):%Y/%m/%d}"]
    found: list[str] = []
    for account in subfolders(top):
        logs = f"{account}/BedrockModelInvocationLogs"
        for region in subfolders(logs) if logs in subfolders(account) else []:
            found.extend(f"{region}/{m}" for m in months)
    return found


def open_logs(location: str, period: Period) -> LogObjects:
    """The log objects for ``period`` under ``location`` (a folder or ``s3://`` prefix);
    none is an error naming the location (a setting that matches nothing)."""
    if location.startswith("s3://"):
        return _s3_logs(location, period)
    root = Path(location)
    if not root.exists():
        raise InputError(
            f"invocation logs folder {location} does not exist: give --invocation-logs the "
            "folder that holds AWSLogs/ (or an s3:// prefix)"
        )
    folders = month_folders(_local_subfolders, str(root), period) if root.is_dir() else None
    paths = (
        [p for f in folders if Path(f).is_dir() for p in _walk(Path(f))]
        if folders is not None
        else list(_walk(root))
    )
    found = []
    for path in sorted(paths):
        rel = path.relative_to(root).as_posix() if path != root else path.name
        match = in_days(rel, period)
        if match is not None:
            found.append(
                LogObject(str(path), str(path), match["account"], match["region"], _size(path))
            )
    return _checked(LogObjects(location, tuple(found)), period)


def _local_subfolders(path: str) -> list[str]:
    try:
        return [e.path for e in os.scandir(path) if e.is_dir()]
    except OSError as e:
        raise InputError(
            f"cannot read {path} ({e.strerror}): without it the invocation logs would be "
            "incomplete; give the user running the chargeback read access to it"
        ) from e


def _walk(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return

    def refuse(error: OSError) -> None:
        raise InputError(
            f"cannot read {error.filename} ({error.strerror}): without it the invocation logs "
            "would be incomplete; give the user running the chargeback read access to it"
        )

    for folder, _dirs, files in os.walk(root, onerror=refuse):
        for name in files:
            yield Path(folder) / name


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as e:
        raise InputError(f"cannot read {path} ({e.strerror}): fix its permissions") from e


def _checked(logs: LogObjects, period: Period) -> LogObjects:
    if not logs.objects:
        logs.close()
        raise InputError(
            f"no Bedrock invocation logs for {period} under {logs.location}: expected "
            "AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz "
            "below it; point --invocation-logs (invocation_logs.location) at the logging "
            "destination's prefix, or run without it"
        )
    return logs


def _s3_logs(location: str, period: Period) -> LogObjects:
    import pyarrow.fs as pafs

    import chargeback.s3location as s3location
    from chargeback.s3location import S3Uri

    root = S3Uri.parse(location)
    fs = s3location.filesystem(root.bucket)

    def listing(path: str, recursive: bool) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(path, recursive=recursive, allow_not_found=True)
        try:
            return list(fs.get_file_info(selector))
        except OSError as e:
            where = f"s3://{path}"
            raise s3location.input_error(where, "list the invocation logs under", e) from e

    def subfolders(path: str) -> list[str]:
        return [i.path for i in listing(path, False) if i.type == pafs.FileType.Directory]

    folders = month_folders(subfolders, root.path, period)
    infos = (
        [i for f in folders for i in listing(f, True)]
        if folders is not None
        else listing(root.path, True)
    )
    wanted = []
    for info in infos:
        if info.type != pafs.FileType.File:
            continue
        key = info.path[len(root.bucket) + 1 :]
        match = in_days(key[len(root.key) :] if root.key else key, period)
        if match is not None:
            wanted.append((S3Uri(root.bucket, key), match, info.size or 0))
    if not wanted:
        return _checked(LogObjects(str(root), ()), period)
    work = scratch.make(Path(tempfile.gettempdir()), WORK_PREFIX)
    scratch.remove_stale(Path(tempfile.gettempdir()), _WORK)

    def fetch(item: tuple[int, tuple[S3Uri, re.Match[str], int]]) -> LogObject:
        number, (uri, match, size) = item
        local = work / f"{number:07d}.json.gz"
        try:
            with fs.open_input_stream(uri.path, compression=None) as src, open(local, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        except OSError as e:
            raise s3location.input_error(str(uri), "read the invocation log", e) from e
        return LogObject(str(uri), str(local), match["account"], match["region"], size)

    try:
        with ThreadPoolExecutor(max_workers=min(_FETCH_WORKERS, len(wanted))) as pool:
            objects = tuple(pool.map(fetch, enumerate(wanted)))
    except BaseException:
        scratch.remove(work)
        raise
    return LogObjects(str(root), objects, work)


def bad_log(logs: LogObjects, reason: str) -> InputError:
    """The error for logs DuckDB could not read (``reason``: its message): the first object
    and line at fault, found by reading them again line by line."""
    named = re.search(r'"([^"]+\.json\.gz)"|: (\S+\.json\.gz)', reason)
    candidates = list(logs.objects)
    if named is not None:
        path = named.group(1) or named.group(2)
        candidates.sort(key=lambda o: o.path != path and os.path.basename(o.path) != path)
    for obj in candidates:
        found = first_bad_line(obj)
        if found is not None:
            return found
    said = (reason.strip().splitlines() or [reason])[0]
    return InputError(
        f"the invocation logs under {logs.location} cannot be read ({said}): "
        "remove or re-deliver the object named"
    )


def first_bad_line(obj: LogObject) -> InputError | None:
    """The error for ``obj``'s first unreadable line (truncated gzip, not JSON, not a
    ModelInvocationLog record, token count that is not a whole number), or None."""
    fix = "remove the object or deliver it again (a skipped log would shift the shares)"
    line_no = 0
    try:
        with gzip.open(obj.path, "rb") as f:
            for line_no, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                problem = _record_problem(raw)
                if problem:
                    return InputError(f"invocation log {obj.uri} line {line_no}: {problem}; {fix}")
    except (EOFError, OSError, zlib.error) as e:
        return InputError(
            f"invocation log {obj.uri} is not a whole gzip file ({first_line(e)}) after line "
            f"{line_no}: {fix}"
        )
    return None


def _record_problem(raw: bytes) -> str:
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError) as e:
        return f"is not JSON ({first_line(e)})"
    if not isinstance(record, dict):
        return "is not a JSON object"
    kind = record.get("schemaType")
    if kind != SCHEMA_TYPE:
        shown = json.dumps(kind)[:60]
        return f"schemaType is {shown}, not {SCHEMA_TYPE!r}: is this a Bedrock invocation log?"
    if record.get("timestamp") is None:
        return "has no timestamp"
    metadata = record.get("requestMetadata")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(v, str | int | float) for v in metadata.values())
    ):
        return f"requestMetadata is {json.dumps(metadata)[:60]}, not a map of strings"
    if not isinstance(record.get("identity", {}), dict):
        return "identity is not a JSON object"
    for part, name in (
        ("input", "inputTokenCount"),
        ("input", "cacheReadInputTokenCount"),
        ("input", "cacheWriteInputTokenCount"),
        ("output", "outputTokenCount"),
    ):
        section = record.get(part)
        value = section.get(name) if isinstance(section, dict) else None
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            return f"{part}.{name} is {json.dumps(value)[:60]}, not a whole number of tokens"
    return ""
