"""Where a tag key that a user wrote in AWS (``CostCenter``) lives in each export schema.

AWS rewrites activated cost-allocation tag keys for CUR: a ``user_`` (or ``aws_``) prefix,
an underscore before each capital, every non-alphanumeric to ``_``, repeats collapsed,
lower case: ``CostCenter`` -> ``user_cost_center``, ``aws:createdBy`` -> ``aws_created_by``.
CUR 2.0 also has the ``tags`` map with prefixed keys (``resourceTags/CostCenter``); whether
the part after the prefix keeps its case is unconfirmed, so both spellings are tried.
A key may be given in that form too (``resourceTags/CostCenter``, as the ``tags`` map shows
it): the prefix is dropped and the key is looked up like ``CostCenter``.

Keys are matched exactly as AWS rewrites them, never ignoring case: AWS tag keys are case
sensitive (``CostCenter`` and ``costcenter`` can both be activated, with different values,
and become ``user_cost_center`` and ``user_costcenter``), so folding case could charge a line
by the wrong tag. A key that matches nothing is reported with the keys the lines do carry
(``allocate.matching``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NON_ALNUM = re.compile(r"[^0-9a-zA-Z]+")
_REPEATS = re.compile(r"_+")


#: The ``tags`` map's prefix for a resource's tags; a key given with it means the bare key.
RESOURCE_TAGS_PREFIX = "resourceTags/"


def bare_tag_key(key: str) -> str:
    """``key`` without the ``resourceTags/`` prefix of the ``tags`` map (any case), trimmed."""
    key = key.strip()
    if key.lower().startswith(RESOURCE_TAGS_PREFIX.lower()):
        return key[len(RESOURCE_TAGS_PREFIX) :].strip()
    return key


def cur_tag_key(key: str) -> str:
    """The ``resource_tags`` map key AWS writes for a user tag key."""
    key = bare_tag_key(key)
    if key.startswith(("user_", "aws_")) and key == key.lower():
        return key  # already in CUR form
    prefix = "user"
    for source_prefix, cur_prefix in (("user:", "user"), ("aws:", "aws")):
        if key.startswith(source_prefix):
            key, prefix = key[len(source_prefix) :], cur_prefix
            break
    snake = re.sub(r"([A-Z])", r"_\1", key)
    snake = _NON_ALNUM.sub("_", snake)
    snake = _REPEATS.sub("_", f"{prefix}_{snake}").strip("_")
    return snake.lower()


@dataclass(frozen=True)
class TagLookup:
    """The candidate keys or columns under which one tag may appear, best first."""

    name: str
    resource_tag_keys: tuple[str, ...]
    tags_map_keys: tuple[str, ...]
    legacy_columns: tuple[str, ...]


def tag_lookup(key: str) -> TagLookup:
    """Every spelling of ``key`` that an export may use, in order of precedence."""
    raw = bare_tag_key(key)
    bare = raw.split(":", 1)[1] if raw.startswith(("user:", "aws:")) else raw
    cur = cur_tag_key(raw)
    resource_keys = _unique([cur, "user_" + bare.lower()])
    tags_keys = _unique(
        [
            f"resourceTags/{bare}",
            f"resourceTags/user:{bare}",
            f"resourceTags/{cur}",
            f"resourceTags/{bare.lower()}",
            f"resourceTags/user:{bare.lower()}",
        ]
    )
    legacy = _unique([f"resource_tags_{k}" for k in resource_keys])
    return TagLookup(raw, resource_keys, tags_keys, legacy)


def principal_tag_keys(key: str) -> tuple[str, ...]:
    """Keys of the ``tags`` map under which the calling IAM principal's tag appears."""
    return _prefixed("iamPrincipal/", key)


def account_tag_keys(key: str) -> tuple[str, ...]:
    """Keys of the ``tags`` map under which the usage account's tag appears
    (``accountTag/CostCenter``: tags set on the account in AWS Organizations)."""
    return _prefixed("accountTag/", key)


def _prefixed(prefix: str, key: str) -> tuple[str, ...]:
    bare = bare_tag_key(key)
    return _unique([f"{prefix}{bare}", f"{prefix}{bare.lower()}", f"{prefix}{cur_tag_key(bare)}"])


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
