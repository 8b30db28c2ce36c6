"""The SQL shipped inside the package (the top-level ``queries/`` folder).

Found through ``importlib.resources`` so an installed wheel works from any directory.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def query_text(name: str) -> str:
    """The SQL text of ``queries/<name>.sql``."""
    return (resources.files("chargeback.queries") / f"{name}.sql").read_text(encoding="utf-8")


def query_names() -> list[str]:
    """All shipped query names, in pipeline order."""
    files = resources.files("chargeback.queries").iterdir()
    return sorted(f.name.removesuffix(".sql") for f in files if f.name.endswith(".sql"))
