"""Reading the small text files a config names (tables, TOML), and nothing else.

A path in a config can point anywhere: at a device that never ends (``/dev/zero``), at a
file of secrets (``/proc/self/environ``, ``~/.aws/credentials``). So only a regular file is
read, only up to a size no table of cost centers comes near, and a message about it names
the file and the problem, never what the file holds (it may be a credential, and messages go
to terminals and logs).
"""

from __future__ import annotations

from pathlib import Path

from chargeback.errors import ConfigError

MB = 1024 * 1024
#: A table (master list, aliases, mapping table) may have this many bytes: half a million
#: rows of resource ARNs; a bigger file is not a table a person keeps.
TABLE_LIMIT = 64 * MB
#: A TOML file (chargeback.toml, a report template) may have this many bytes.
TOML_LIMIT = 1 * MB
#: Said of a TOML or JSON document whose arrays or tables nest deeper than Python recurses.
NESTED_TOO_DEEP = (
    "nests arrays or tables too deeply to read (thousands of levels): is it the right file?"
)


def shown(value: object, limit: int = 60) -> str:
    """A value from a file or an option, for a message: quoted as Python writes it (control
    characters escaped) and cut to ``limit`` characters, however long the value."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def read_text(path: Path, what: str, limit: int) -> str:
    """The UTF-8 text of the regular file ``path`` (``what`` it is, for messages)."""
    try:
        if not path.exists():
            raise ConfigError(f"{what} {path} does not exist: create it or fix the path")
        if not path.is_file():
            raise ConfigError(
                f"{what} {path} is not a regular file (a folder, device or pipe): give the "
                "path of a text file"
            )
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as e:
        raise ConfigError(f"cannot read {what} {path}: {e.strerror or type(e).__name__}") from e
    if len(data) > limit:
        raise ConfigError(
            f"{what} {path} is larger than {limit // MB} MB, far more than such a file "
            "holds: is it the right file?"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{what} {path} is not UTF-8 text: save it as UTF-8") from e
    if "\x00" in text:
        raise ConfigError(f"{what} {path} is not a text file (it holds NUL bytes)")
    return text
