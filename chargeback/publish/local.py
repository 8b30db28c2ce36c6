"""Publishing a month's statements so that readers never see a partial or mixed set.

Outputs are rendered into a staging folder next to the destination; only when every file is
complete does the staging folder take the month's name (``DIR/YYYY-MM``), replacing the
previous set in one rename. A failure before that leaves the previous set untouched and
removes the staging folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chargeback.errors import OutputError


class LocalDestination:
    """A folder on the local disk."""

    superseded_by: str | None = None  # the last rename wins

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def uri(self) -> str:
        return str(self.root)

    def location(self, period: str, name: str = "") -> str:
        return str(self.root / period / name) if name else str(self.root / period)

    def published_run(self, period: str) -> tuple[str, dict[str, Any]] | None:
        """The month's ``run.json``; None when the month was never published here."""
        path = self.root / period / "run.json"
        if not path.is_file():
            return None
        return str(path), json.loads(path.read_text(encoding="utf-8"))

    @contextmanager
    def staging(self, period: str) -> Iterator[Path]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=f".{period}.staging-", dir=self.root))
        except OSError as e:
            raise OutputError(f"cannot create the output folder {self.root}: {e.strerror}") from e
        try:
            yield stage
            self._publish(stage, self.root / period)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise

    @staticmethod
    def _publish(stage: Path, final: Path) -> None:
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
        had_old = final.exists()
        try:
            os.chmod(stage, 0o755)
            if had_old:
                os.rename(final, old)
            try:
                os.rename(stage, final)
            except OSError:
                if had_old:
                    os.rename(old, final)  # put the previous set back
                raise
        except OSError as e:
            raise OutputError(f"cannot publish the statements to {final}: {e.strerror}") from e
        if had_old:
            shutil.rmtree(old, ignore_errors=True)
