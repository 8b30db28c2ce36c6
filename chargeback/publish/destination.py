"""Where a month's statements are published: the protocol every destination keeps.

A destination stages the month's files in a local folder and publishes them as one set,
so readers never see a partial or mixed set; it also answers what it published before.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from chargeback.publish.history import Event, PublishedSet


class Destination(Protocol):
    """Where a month's statements go."""

    @property
    def uri(self) -> str: ...

    def staging(self, period: str) -> AbstractContextManager[Path]:
        """A local folder to render into; published as ``period`` when the block succeeds."""
        ...

    def location(self, period: str, name: str = "") -> str:
        """Where ``name`` of ``period`` is published."""
        ...

    @property
    def superseded_by(self) -> str | None:
        """Set when statements from newer input were already published: that run's id."""
        ...

    def published_run(self, period: str) -> tuple[str, dict[str, Any]] | None:
        """Where ``period``'s published run record is, and its content (``run.json``'s
        totals at least); None when nothing was published for it."""
        ...

    def events(self, period: str) -> list[Event]:
        """The month's history (``chargeback.publish.history``), oldest first."""
        ...

    def write_event(self, period: str, event: Event) -> None:
        """Write one event of the month's history once; ``EventTaken`` if its name exists."""
        ...

    def published_set(self, period: str) -> PublishedSet | None:
        """The set the month's pointer names, with its files' SHA-256; None if unpublished."""
        ...

    def read_recorded(self, period: str, kind: str, record_id: str, name: str) -> bytes:
        """A file of a kept set: ``kind`` "run" (a published set) or "adjustment"."""
        ...

    def adjustment_staging(self, period: str, adjustment_id: str) -> AbstractContextManager[Path]:
        """A local folder to render an adjustment set into; kept as ``adjustment_id`` beside
        the month's sets when the block succeeds (the month's own set is not touched)."""
        ...

    def adjustment_location(self, period: str, adjustment_id: str) -> str:
        """Where an adjustment set of ``period`` is kept."""
        ...

    def discard_adjustment(self, period: str, adjustment_id: str) -> None:
        """Remove an adjustment set the history never recorded (best effort)."""
        ...

    def adjustment_sets(self, period: str) -> dict[str, dict[str, Any] | None]:
        """The month's kept adjustment sets named as the tool names them
        (``history.ADJUSTMENT_ID``): id -> its ``adjustment.json``, None when it has none
        or it cannot be read."""
        ...

    def seal(self, period: str, set_id: str, token: str) -> None:
        """Before a close is recorded: make sure no run can switch the month from the set
        ``set_id`` any more (on S3 a conditional write of ``current.json``; locally the lock
        of ``exclusive`` does it). ``MonthStateError`` when the month no longer names it."""
        ...

    def unseal(self, period: str) -> None:
        """Undo ``seal`` after a reopen (or a close that was not recorded)."""
        ...

    def exclusive(self) -> AbstractContextManager[None]:
        """Held while a close or reopen decides, so no run switches the month meanwhile
        (a lock on OUT locally; on S3 the conditional writes decide instead)."""
        ...


def open_destination(uri: str) -> Destination:
    if uri.startswith("s3://"):
        from chargeback.publish.s3 import S3Destination  # S3 support loads only when used

        return S3Destination(uri)
    from chargeback.publish.local import LocalDestination

    return LocalDestination(Path(uri))
