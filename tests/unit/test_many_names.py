"""Linear name handling for many cost centers (issue 19): unique sheet and file names with a
``TakenNames`` are the names the plain-set way gives, and large master lists and mapping
tables resolve every row the way a per-row scan did."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chargeback.errors import ConfigError
from chargeback.report.safety import TakenNames, safe_file_name, sheet_title
from chargeback.settings.tables import load_aliases, load_mapping, load_master


def _names(seed: int) -> list[str]:
    rng = random.Random(seed)
    prefix = "Shared-prefix-of-thirty-one-chars-"
    pool = ["CC-1", "cc-1", "Cc-1", "cc-1-2", "History", "CON", "a (2)", "a", "A", ".hidden"]
    out = []
    for i in range(600):
        kind = rng.randrange(4)
        if kind == 0:
            out.append(rng.choice(pool))
        elif kind == 1:
            out.append(prefix + str(rng.randrange(50)))
        elif kind == 2:
            out.append(prefix.upper() + str(i))
        else:
            out.append(f"cc-{rng.randrange(40)}")
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_taken_names_give_the_plain_set_names(seed: int) -> None:
    names = _names(seed)
    fast, plain = TakenNames(), set[str]()
    sheets_fast = [sheet_title(n, fast) for n in names]
    sheets_plain = [sheet_title(n, plain) for n in names]
    assert sheets_fast == sheets_plain
    assert len({s.lower() for s in sheets_fast}) == len(names)
    assert all(len(s) <= 31 for s in sheets_fast)
    fast, plain = TakenNames(), set[str]()
    files_fast = [safe_file_name(n, fast) for n in names]
    assert files_fast == [safe_file_name(n, plain) for n in names]
    assert len({f.lower() for f in files_fast}) == len(names)


def test_taken_names_start_from_given_names() -> None:
    used = TakenNames(["Summary", "Statements"])
    assert sheet_title("summary", used) == "summary (2)"
    assert sheet_title("SUMMARY", used) == "SUMMARY (3)"
    assert "summary (2)" in used and "SUMMARY (3)" in used


def test_large_tables_resolve_every_row(tmp_path: Path) -> None:
    n = 12_000
    master = tmp_path / "master.csv"
    master.write_text(
        "code,name,active\n" + "".join(f"CC-{i:05d},Name {i},true\n" for i in range(n)),
        encoding="utf-8",
    )
    centers = load_master(master)
    aliases_csv = tmp_path / "aliases.csv"
    aliases_csv.write_text(
        "alias,code\n" + "".join(f"old{i},cc-{i:05d}\n" for i in range(0, n, 3)),
        encoding="utf-8",
    )
    aliases = load_aliases(aliases_csv, centers)
    assert aliases["old3"] == "CC-00003" and len(aliases) == n // 3
    mapping = tmp_path / "map.csv"
    mapping.write_text(
        "resource,cost_center\n"
        + "".join(f"proj_{i},{'old' if i % 3 == 0 else ' cc-'}{i if i % 3 == 0 else f'{i:05d}'}\n"
                  for i in range(n)),
        encoding="utf-8",
    )  # fmt: skip
    mapped = load_mapping(mapping, "resource_map", centers, aliases)
    assert len(mapped) == n
    assert mapped["proj_0"] == "CC-00000" and mapped["proj_11999"] == "CC-11999"
    assert mapped["proj_7"] == "CC-00007"
    bad = tmp_path / "bad.csv"
    bad.write_text(mapping.read_text() + "proj_x,CC-99999\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"line {n + 2}: cost center 'CC-99999' is not in"):
        load_mapping(bad, "resource_map", centers, aliases)
