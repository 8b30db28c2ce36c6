"""Neutralizing untrusted text (tag values, project ids) before it reaches an output.

Anyone who can create a Bedrock project types the tag values that end up in statements.
A value that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) must
never run as one in a spreadsheet that opens our CSV, and must never become a file or sheet
name outside the rules; the user must still see what was typed.
"""

from __future__ import annotations

import re

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_SHEET_MAX = 31


def csv_text(value: str) -> str:
    """A text cell for CSV: a leading apostrophe disarms formula prefixes (OWASP)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def sheet_title(name: str, used: set[str], reserved: tuple[str, ...] = ()) -> str:
    """A valid, unique Excel sheet name for ``name``; ``used`` holds names already taken.

    Excel's rules: at most 31 characters, none of ``[]:*?/\\``, not starting or ending with
    an apostrophe, not ``History``, unique without regard to case.
    """
    base = _SHEET_FORBIDDEN.sub("_", name).strip().strip("'") or "_"
    taken = {u.lower() for u in used} | {"history"} | {r.lower() for r in reserved}
    candidate = base[:_SHEET_MAX]
    n = 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate = base[: _SHEET_MAX - len(suffix)] + suffix
        n += 1
    used.add(candidate)
    return candidate
