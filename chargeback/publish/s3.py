"""Publishing a month's statements to S3 so that readers never see a partial or mixed set.

S3 cannot rename a folder, so a month is published in two steps:

1. every run uploads its complete set under its own, never reused prefix
   ``OUT/YYYY-MM/runs/<run id>/`` (``run.json`` last, so a run folder without it is
   incomplete);
2. the one object ``OUT/YYYY-MM/current.json`` is then switched to name that run, with a
   conditional write (``If-Match`` the ETag read, or ``If-None-Match: *`` for the first run).

Every run's folder stays (issue 18), and each run that becomes current appends a ``run``
event to the month's history, one object per event under ``OUT/YYYY-MM/history/``, put with
``If-None-Match: *`` so no event is ever overwritten (``chargeback.publish.history``).

A reader follows ``current.json`` and always gets one complete set. Two runs racing for a
month cannot interleave: the pointer is one object, and a run whose input is older than the
published one's (``source.version`` in ``run.json``) leaves the pointer alone and removes its
own upload. The same event delivered twice publishes the same statements twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chargeback.s3location as s3location
from chargeback import scratch
from chargeback.errors import MonthStateError, OutputError, TransientOutputError
from chargeback.publish import history
from chargeback.publish.history import Event, EventTaken, PublishedSet
from chargeback.read.manifest import manifest_digest
from chargeback.s3location import S3Uri

POINTER = "current.json"
SEAL = "closed"  # in current.json while the month is closed: {"token": the close's seal}
RUNS = "runs"
RUN_RECORD = "run.json"
HISTORY = "history"
ADJUSTMENTS = "adjustments"
ADJUSTMENT_RECORD = "adjustment.json"
_ATTEMPTS = 8
_CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_STAGING = re.compile(r"chargeback-\d{4}-\d{2}-\w+")  # in the temp folder; dead runs' go
_CONFLICT = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")


class S3Destination:
    """``s3://bucket/prefix``: each month in ``YYYY-MM/``, published through ``current.json``."""

    def __init__(self, uri: str, client: Any | None = None) -> None:
        self.root = S3Uri.parse(uri)
        self._client = client
        self._published: dict[str, str] = {}  # period -> run id whose files are current
        self._uploaded: dict[str, list[str]] = {}  # adjustment id -> its keys
        self.superseded_by: str | None = None

    @property
    def uri(self) -> str:
        return str(self.root)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = s3location.client()
        return self._client

    def location(self, period: str, name: str = "") -> str:
        run_id = self._published.get(period)
        if run_id is None:  # not published (yet): where the month's pointer is
            return str(self.root.child(period, name or POINTER))
        folder = self.root.child(period, RUNS, run_id)
        return str(folder.child(name)) if name else str(folder) + "/"

    def pointer_uri(self, period: str) -> S3Uri:
        return self.root.child(period, POINTER)

    def published(self, period: str) -> dict[str, Any] | None:
        """The month's ``current.json`` (its run, files and totals), None if unpublished."""
        return self._read_pointer(self.pointer_uri(period))[0]

    def published_run(self, period: str) -> tuple[str, dict[str, Any]] | None:
        """The month's ``current.json``, which carries the published run's totals."""
        doc = self.published(period)
        return None if doc is None else (self.location(period), doc)

    def events(self, period: str) -> list[Event]:
        folder = self.root.child(period, HISTORY)
        prefix = folder.key + "/"
        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=folder.bucket, Prefix=prefix):
                keys.extend(str(o["Key"]) for o in page.get("Contents", []))
        except Exception as e:
            raise _wrap(str(folder), "list", e) from e
        found = []
        for key in sorted(keys):
            name = key[len(prefix) :]
            if history.parse_name(name) is None:
                continue
            where = f"s3://{folder.bucket}/{key}"
            try:
                data = self.client.get_object(Bucket=folder.bucket, Key=key)["Body"].read()
            except Exception as e:
                raise _wrap(where, "read", e) from e
            event = history.decode(name, data, where)
            if event is not None:
                found.append(event)
        return found

    def read_recorded(self, period: str, kind: str, record_id: str, name: str) -> bytes:
        folder = RUNS if kind == history.RUN else ADJUSTMENTS
        uri = self.root.child(period, folder, record_id, name)
        try:
            return bytes(self.client.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read())
        except Exception as e:
            raise _wrap(str(uri), "read", e) from e

    @contextmanager
    def adjustment_staging(self, period: str, adjustment_id: str) -> Iterator[Path]:
        temp = Path(tempfile.gettempdir())
        stage = scratch.make(temp, f"chargeback-{period}-")
        try:
            yield stage
            folder = self.root.child(period, ADJUSTMENTS, adjustment_id)
            # its record first: a set without one is never one a live run is writing
            self._uploaded[adjustment_id] = self._upload(stage, folder, first=ADJUSTMENT_RECORD)
        finally:
            scratch.remove(stage)

    def adjustment_location(self, period: str, adjustment_id: str) -> str:
        return str(self.root.child(period, ADJUSTMENTS, adjustment_id)) + "/"

    def discard_adjustment(self, period: str, adjustment_id: str) -> None:
        uploaded = self._uploaded.pop(adjustment_id, [])
        try:
            kept = self._list(self.root.child(period, ADJUSTMENTS, adjustment_id).key + "/")
        except OutputError:
            kept = []
        self._delete(sorted(set(uploaded) | set(kept)))

    def adjustment_sets(self, period: str) -> dict[str, dict[str, Any] | None]:
        folder = self.root.child(period, ADJUSTMENTS)
        prefix = folder.key + "/"
        ids: dict[str, bool] = {}  # id -> has its record
        for key in self._list(prefix):
            set_id, _, name = key[len(prefix) :].partition("/")
            if history.ADJUSTMENT_ID.fullmatch(set_id):
                ids[set_id] = ids.get(set_id, False) or name == ADJUSTMENT_RECORD
        found: dict[str, dict[str, Any] | None] = {}
        for set_id, has_record in sorted(ids.items()):
            record = None
            if has_record:
                try:
                    record = json.loads(
                        self.read_recorded(period, "adjustment", set_id, ADJUSTMENT_RECORD)
                    )
                except (OutputError, ValueError):
                    record = None
            found[set_id] = record if isinstance(record, dict) else None
        return found

    def _list(self, prefix: str) -> list[str]:
        try:
            pages = self.client.get_paginator("list_objects_v2")
            return [
                str(o["Key"])
                for page in pages.paginate(Bucket=self.root.bucket, Prefix=prefix)
                for o in page.get("Contents", [])
            ]
        except Exception as e:
            raise _wrap(f"s3://{self.root.bucket}/{prefix}", "list", e) from e

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        yield  # S3 has no lock: closes and runs decide with conditional writes

    def published_set(self, period: str) -> PublishedSet | None:
        current = self.published(period)
        if current is None:
            return None
        run_id = str(current.get("run_id"))
        folder = self.root.child(period, RUNS, run_id)
        digests: dict[str, str] = {}
        data: dict[str, bytes] = {}
        for name in sorted(str(n) for n in current.get("files", [])):
            uri = folder.child(name)
            try:
                body = self.client.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read()
            except Exception as e:
                raise _wrap(str(uri), "read", e) from e
            data[name] = body
            digests[name] = hashlib.sha256(body).hexdigest()
        try:
            record = json.loads(data.get(RUN_RECORD, b"{}"))
        except ValueError:
            record = {}
        return PublishedSet(run_id, record if isinstance(record, dict) else {}, digests)

    def seal(self, period: str, set_id: str, token: str) -> None:
        """Mark ``current.json`` closed, conditionally on the ETag that named ``set_id``: a
        run that read the pointer before cannot switch it any more (its ``If-Match`` fails,
        it reads it again and finds it closed)."""
        pointer = self.pointer_uri(period)
        for _ in range(_ATTEMPTS):
            current, etag = self._read_pointer(pointer)
            if current is None or etag is None or str(current.get("run_id")) != set_id:
                raise MonthStateError(
                    f"a run for {period} was publishing while closing it: nothing was "
                    "closed; run `chargeback history` to check and close again"
                )
            if self._put_pointer(pointer, {**current, SEAL: {"token": token}}, etag):
                return
        raise TransientOutputError(f"{pointer} kept changing while closing {period}: try again")

    def unseal(self, period: str) -> None:
        """Remove the close's mark from ``current.json`` (after a reopen)."""
        pointer = self.pointer_uri(period)
        for _ in range(_ATTEMPTS):
            current, etag = self._read_pointer(pointer)
            if current is None or etag is None or SEAL not in current:
                return
            if self._put_pointer(pointer, {k: v for k, v in current.items() if k != SEAL}, etag):
                return
        raise TransientOutputError(f"{pointer} kept changing while reopening {period}: try again")

    def _put_pointer(self, pointer: S3Uri, doc: dict[str, Any], etag: str) -> bool:
        """Replace the pointer if it still has ``etag``; False when it changed meanwhile."""
        try:
            self.client.put_object(
                Bucket=pointer.bucket,
                Key=pointer.key,
                Body=json.dumps(doc, indent=2).encode("utf-8"),
                ContentType="application/json",
                IfMatch=etag,
            )
        except Exception as e:
            if _is_conflict(e):
                return False
            raise _wrap(str(pointer), "publish", e) from e
        return True

    def write_event(self, period: str, event: Event) -> None:
        uri = self.root.child(period, HISTORY, event.name)
        try:
            self.client.put_object(
                Bucket=uri.bucket,
                Key=uri.key,
                Body=history.encode(event),
                ContentType="application/json",
                IfNoneMatch="*",  # an event is written once; a taken name means: decide again
            )
        except Exception as e:
            if _is_conflict(e):
                raise EventTaken(event.name) from e
            raise _wrap(str(uri), "record", e) from e

    @contextmanager
    def staging(self, period: str) -> Iterator[Path]:
        temp = Path(tempfile.gettempdir())
        scratch.remove_stale(temp, _STAGING)
        stage = scratch.make(temp, f"chargeback-{period}-")
        try:
            yield stage
            self._publish(stage, period)
        finally:
            scratch.remove(stage)

    def _publish(self, stage: Path, period: str) -> None:
        record = _run_record(stage)
        now = datetime.now(UTC)
        run_id = f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"
        folder = self.root.child(period, RUNS, run_id)
        keys = self._upload(stage, folder)
        try:
            winner = self._switch_pointer(period, run_id, folder, record, now)
        except BaseException:
            named = self._names_run(period, run_id)
            if named is not True:
                if named is False:  # never named by the pointer: remove them
                    self._delete(keys)
                raise  # when it cannot tell, the files stay: better than a dangling pointer
            winner = run_id  # the write succeeded though its answer was lost
        if winner != run_id:
            self._delete(keys)  # an export delivered later is already published
            self.superseded_by = winner
        else:
            at = now.isoformat(timespec="seconds")
            body = history.run_event(record, run_id, at)
            history.append(self, period, history.RUN, lambda _events: body)
        self._published[period] = winner

    def _upload(
        self, stage: Path, folder: S3Uri, last: str = RUN_RECORD, first: str = ""
    ) -> list[str]:
        """Upload every file of ``stage``: ``first``, the others, then ``last``."""
        ends = {first} if first else {last}
        names = sorted(  # statements/<cost center>.* included, as statements/... keys
            p.relative_to(stage).as_posix()
            for p in stage.rglob("*")
            if p.is_file() and p.relative_to(stage).as_posix() not in ends
        )
        order = [first, *names] if first else [*names, last]
        keys: list[str] = []
        try:
            for name in order:
                key = folder.child(name).key
                self.client.put_object(
                    Bucket=folder.bucket,
                    Key=key,
                    Body=(stage / name).read_bytes(),
                    ContentType=_CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream"),
                    IfNoneMatch="*",  # a run folder is written once, by one run
                )
                keys.append(key)
        except Exception as e:
            self._delete(keys)
            raise _wrap(str(folder.child(name)), "upload", e) from e
        return keys

    def _switch_pointer(
        self, period: str, run_id: str, folder: S3Uri, record: dict[str, Any], now: datetime
    ) -> str:
        """Make ``current.json`` name this run unless newer input is published; the winner."""
        pointer = self.pointer_uri(period)
        source = record.get("source", {})
        body = json.dumps(
            {
                "billing_period": period,
                "run_id": run_id,
                "prefix": str(folder) + "/",
                "files": sorted(p for p in self._names(record)),
                "source": record.get("source", {}),
                "totals": record.get("totals", []),
                "generated_at": record.get("generated_at"),
                "published_at": now.isoformat(timespec="seconds"),
            },
            indent=2,
        ).encode("utf-8")
        for _ in range(_ATTEMPTS):
            events = self.events(period)
            close = history.in_force_close(events)
            if close is not None:  # closed while this run was writing: never replace it
                raise MonthStateError(
                    f"{period} was closed (history event {close.seq}) while this run was "
                    "writing: nothing was published; run again"
                )
            current, etag = self._read_pointer(pointer)
            if current is not None and _sealed(current, events):
                # a close sealed the pointer after the check above (or is recording now):
                # the put below is conditional on the ETag read, so it cannot undo the seal
                raise MonthStateError(
                    f"{period} is being closed ({pointer} is marked closed and the history "
                    "has no reopen for it): nothing was published; run again (if no close is "
                    f"running, `chargeback close --period {period}` completes it)"
                )
            if current is not None and self._is_newer(current.get("source"), source):
                return str(current.get("run_id"))
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            try:
                self.client.put_object(
                    Bucket=pointer.bucket,
                    Key=pointer.key,
                    Body=body,
                    ContentType="application/json",
                    **condition,
                )
                return run_id
            except Exception as e:
                if _is_conflict(e):
                    continue  # another run switched the pointer meanwhile: decide again
                raise _wrap(str(pointer), "publish", e) from e
        raise TransientOutputError(
            f"{pointer} kept changing while publishing {folder}: other runs for {period} are "
            "publishing at the same time; try again"
        )

    def _is_newer(self, published: Any, own: Any) -> bool:
        """Was the published run's input delivered after this run's?

        ``source.version`` is the manifest's modification time (S3 keeps whole seconds) and
        a digest of its bytes. Two deliveries within one second share the time: two
        manifests are ordered by key, as a run picks the newest manifest; two versions of
        one manifest key (an export that overwrites) are ordered by the export itself: the
        one whose digest the manifest has now is current, so the older delivery never
        replaces the newer, whichever run finishes last. Otherwise the digests decide, the
        same way for every run."""
        published = published if isinstance(published, dict) else {}
        own = own if isinstance(own, dict) else {}
        theirs, ours = str(published.get("version") or ""), str(own.get("version") or "")
        if theirs == ours:
            return False  # the same input: publish again
        their_time, _, their_digest = theirs.partition("+")
        our_time, _, our_digest = ours.partition("+")
        if their_time != our_time:
            return their_time > our_time
        their_manifest, our_manifest = _manifest_uri(published), _manifest_uri(own)
        if their_manifest and our_manifest and their_manifest != our_manifest:
            return their_manifest > our_manifest  # as read/s3.py picks the newest manifest
        if our_manifest and their_digest and our_digest:
            now = self._digest_of(our_manifest)
            if now in (their_digest, our_digest):
                return now == their_digest
        return theirs > ours

    def _digest_of(self, uri: str) -> str | None:
        """The digest of the manifest at ``uri`` as it is now; None when it cannot be read."""
        try:
            where = S3Uri.parse(uri)
            body = self.client.get_object(Bucket=where.bucket, Key=where.key)["Body"].read()
        except Exception:
            return None  # the order then falls back to the digests
        return manifest_digest(uri, body)

    @staticmethod
    def _names(record: dict[str, Any]) -> list[str]:
        outputs = record.get("outputs", [])
        return [str(n) for n in outputs] if isinstance(outputs, list) else []

    def _read_pointer(self, pointer: S3Uri) -> tuple[dict[str, Any] | None, str | None]:
        try:
            response = self.client.get_object(Bucket=pointer.bucket, Key=pointer.key)
            raw = response["Body"].read()
        except Exception as e:
            if _code(e) in ("NoSuchKey", "404") or (
                _code(e) == "AccessDenied" and not self._exists(pointer)
            ):  # a role that may list only a prefix gets 403, not 404, for a missing key
                return None, None
            raise _wrap(str(pointer), "read", e) from e
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = {}  # unreadable pointer: replace it, conditionally like any other
        return (doc if isinstance(doc, dict) else {}), str(response["ETag"])

    def _exists(self, uri: S3Uri) -> bool:
        try:
            listed = self.client.list_objects_v2(Bucket=uri.bucket, Prefix=uri.key, MaxKeys=1)
        except Exception as e:
            raise _wrap(str(uri), "list", e) from e
        return any(o.get("Key") == uri.key for o in listed.get("Contents", []))

    def _names_run(self, period: str, run_id: str) -> bool | None:
        """Does current.json name ``run_id`` (then its files must stay)? None: cannot tell."""
        try:
            current, _ = self._read_pointer(self.pointer_uri(period))
        except Exception:
            return None
        return current is not None and current.get("run_id") == run_id

    def _delete(self, keys: list[str]) -> None:
        """Best effort: a leftover run folder is never named by current.json."""
        for key in keys:
            try:
                self.client.delete_object(Bucket=self.root.bucket, Key=key)
            except Exception:  # cleanup must not hide the real error
                pass


def _sealed(current: dict[str, Any], events: list[Event]) -> bool:
    """Is the pointer marked closed by a close that was not reopened since? A mark whose
    close is not in ``events`` yet (being recorded, or its close died) counts as closed."""
    seal = current.get(SEAL)
    if not isinstance(seal, dict):
        return False
    token = seal.get("token")
    closes = [e for e in events if e.kind == history.CLOSE and e.body.get("seal") == token]
    return not closes or closes[-1] == history.in_force_close(events)


def _manifest_uri(source: dict[str, Any]) -> str:
    manifest = source.get("manifest")
    return str(manifest.get("uri") or "") if isinstance(manifest, dict) else ""


def _run_record(stage: Path) -> dict[str, Any]:
    """What publishing reads of the staged run.json: the pointer's and the run event's
    fields and the files written (not the whole record: issue 19)."""
    try:
        return history.record_fields(stage / RUN_RECORD, (*history.RUN_EVENT_KEYS, "outputs"))
    except (OSError, ValueError) as e:
        raise OutputError(f"{stage / RUN_RECORD} is missing or unreadable: {e}") from e


def _code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _is_conflict(error: BaseException) -> bool:
    return _code(error) in _CONFLICT


def _wrap(uri: str, action: str, error: BaseException) -> Exception:
    if isinstance(error, OutputError):
        return error
    return s3location.output_error(uri, action, error)
