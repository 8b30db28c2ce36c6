"""One exception family for the whole tool, and the exit codes the CLI maps them to.

Driver errors (duckdb, pyarrow, botocore) are wrapped where they enter, with
``raise ... from e``, so the front ends only ever see a ``ChargebackError``.
Every message names the file, column, key or value at fault and the next step.
"""

from __future__ import annotations

import re
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    CONFIG = 3
    INPUT = 4
    QUERY = 5
    OUTPUT = 6
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


class ChargebackError(Exception):
    """Base of every error the tool reports to a user."""

    exit_code: ExitCode = ExitCode.UNEXPECTED
    #: True when running the same thing again may succeed (network, throttling).
    retryable: bool = False


class ConfigError(ChargebackError):
    """Options or configuration that cannot be used as given."""

    exit_code = ExitCode.CONFIG


class MonthStateError(ConfigError):
    """A close, reopen or run that the month's history does not allow (closed, not
    published, provisional without --force)."""


class InputError(ChargebackError):
    """The export is missing, unreadable, or not shaped as a CUR export."""

    exit_code = ExitCode.INPUT


class TransientInputError(InputError):
    """Reading the export failed for a reason a retry may fix."""

    retryable = True


class QueryError(ChargebackError):
    """A query failed on data that passed the input checks."""

    exit_code = ExitCode.QUERY


class TransientQueryError(QueryError):
    """A query failed because reading its remote input failed for a reason a retry may fix."""

    retryable = True


class OutputError(ChargebackError):
    """Statements could not be written; nothing partial was published."""

    exit_code = ExitCode.OUTPUT


class TransientOutputError(OutputError):
    """Writing the statements failed for a reason a retry may fix (network, throttling)."""

    retryable = True


def is_interrupt(error: BaseException) -> bool:
    """Whether a driver's error says Ctrl-C (SIGINT) stopped it. DuckDB's Python client turns
    the KeyboardInterrupt it catches during a query into ``RuntimeError('Query interrupted')``
    (or an ``InterruptException``); whoever runs the query raises ``KeyboardInterrupt`` again,
    so the library stops on Ctrl-C as Python code does."""
    if type(error).__name__ == "InterruptException":
        return True
    return isinstance(error, RuntimeError) and str(error).strip().lower() == "query interrupted"


def first_line(error: BaseException) -> str:
    """The first line of a driver's message, for one-line errors (else the error's type)."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def message_text(text: str, width: int = 60) -> str:
    """Export data (a tag key, a column's type) for a message: control characters shown as
    ``\\xNN`` escapes, at most ``width`` characters."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= width else text[: width - 1] + "…"
