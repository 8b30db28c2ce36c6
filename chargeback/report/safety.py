"""Neutralizing untrusted text (tag values, project ids) before it reaches an output.

Anyone who can create a Bedrock project types the tag values that end up in statements.
A value that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) must
never run as one in a spreadsheet that opens our CSV, and must never become a file or sheet
name outside the rules; the user must still see what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_SHEET_MAX = 31
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


#: Statements repeat the same few thousand values (models, usage types, accounts, tags) in
#: hundreds of thousands of cells; the cache makes cleaning them a dictionary lookup.
_CACHED = 1 << 16


@lru_cache(maxsize=_CACHED)
def clean_text(value: str) -> str:
    """Control characters (NUL, BEL, ESC...) shown as visible ``\\xNN`` escapes.

    They cannot be stored in a workbook, corrupt CSV readers and can drive a terminal;
    tab and newline are kept (tab at the start is still disarmed as a formula prefix).
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


@lru_cache(maxsize=_CACHED)
def csv_text(value: str) -> str:
    """A text cell for CSV: controls made visible, formula prefixes disarmed with a
    leading apostrophe (the OWASP advice), so a spreadsheet shows what was typed.

    A value that already starts with apostrophes before a formula prefix (``'=x``) gets one
    more too, so the disarming can be undone exactly (``csv_raw``)."""
    value = clean_text(value)
    return "'" + value if value.lstrip("'").startswith(FORMULA_PREFIXES) else value


def csv_raw(value: str) -> str:
    """The text ``csv_text`` was given (after ``clean_text``): its apostrophe removed."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


#: Bidirectional overrides and isolates reorder what a terminal shows ("Trojan Source").
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def terminal_line(value: str) -> str:
    """A line for a terminal: control characters (ESC...), newlines and bidirectional
    overrides shown as visible escapes, so no file name or tag value can drive the terminal."""
    value = clean_text(value).replace("\n", "\\x0a")
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def terminal_text(value: str, width: int = 40) -> str:
    """A value for a terminal line: no control characters, at most ``width`` characters."""
    value = terminal_line(value).replace("\t", " ")
    return value if len(value) <= width else value[: width - 1] + "…"


def sheet_title(name: str, used: set[str], reserved: tuple[str, ...] = ()) -> str:
    """A valid, unique Excel sheet name for ``name``; ``used`` holds names already taken.

    Excel's rules: at most 31 characters, none of ``[]:*?/\\``, not starting or ending with
    an apostrophe, not ``History``, unique without regard to case.
    """
    base = _SHEET_FORBIDDEN.sub("_", name).strip().strip("'") or "_"
    taken = {"history", *(r.lower() for r in reserved)}
    return _unique(base, used, taken, _SHEET_MAX, " ({n})", strip="' ")


_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", "clock$"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)
_FILE_MAX = 80


def safe_file_name(name: str, used: set[str]) -> str:
    """A file name stem for ``name`` that is safe on every system and unique in ``used``.

    Keeps letters, digits, space, ``.``, ``_`` and ``-``; everything else (``/``, ``\\``,
    ``:``, ``=``, control characters...) becomes ``_``. No leading dot or dash (``..``,
    hidden files, ``-rf``), no trailing dot or space, no Windows device name (``CON``,
    ``nul.txt``), at most 80 characters, and unique without regard to case (``CC-1`` and
    ``cc-1`` get ``cc-1-2``): so the file always lands inside its folder, as itself.
    """
    kept = "".join(c if c.isalnum() or c in " ._-" else "_" for c in name)
    kept = re.sub(r"^[.\- ]+|\.{2,}", lambda m: "_" * len(m.group()), kept).rstrip(". ")
    kept = kept[:_FILE_MAX].rstrip(". ") or "_"
    if kept.split(".")[0].strip().lower() in _WINDOWS_DEVICES:
        kept = "_" + kept
    return _unique(kept, used, set(), _FILE_MAX, "-{n}", strip=". ")


class TakenNames(set[str]):
    """Names taken so far (a set of them), which also answers "taken without regard to
    case?" at once and remembers, per name made unique, the next number to try: N names
    that clash cost O(N) in all, not O(N^2) (issue 19: 20,000 cost centers whose names share
    a 31-character prefix). Add names with ``add`` only."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__()
        self.folded: set[str] = set()
        self.next_number: dict[tuple[str, int, str], int] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        super().add(name)
        self.folded.add(name.lower())


def _unique(
    base: str, used: set[str], reserved: set[str], limit: int, suffix: str, strip: str
) -> str:
    """``base`` cut to ``limit`` (``strip`` removed from the cut end), made unique without
    regard to case among ``used`` and ``reserved`` by appending ``suffix`` (n = 2, 3...);
    the name chosen is added to ``used`` (a ``TakenNames`` makes this O(1); a plain set is
    folded on every call)."""
    if isinstance(used, TakenNames):
        folded, numbers = used.folded, used.next_number
    else:
        folded, numbers = {u.lower() for u in used}, {}
    candidate = base[:limit].rstrip(strip) or "_"
    # Every candidate depends only on the first ``limit`` characters of ``base``.
    key = (base[:limit].lower(), limit, suffix)
    n = numbers.get(key, 2)
    # Names are only ever added, so a number found taken before is taken still.
    while candidate.lower() in folded or candidate.lower() in reserved:
        tail = suffix.format(n=n)
        candidate = base[: limit - len(tail)].rstrip(strip) + tail
        n += 1
    if n > 2:
        numbers[key] = n
    used.add(candidate)
    return candidate
