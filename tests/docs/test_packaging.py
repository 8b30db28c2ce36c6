"""The queries and templates ship inside the package and are found from anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.paths import REPO


def test_queries_are_read_through_the_package_from_any_directory(tmp_path: Path) -> None:
    code = (
        "from chargeback.allocate.queries import query_names, query_text;"
        "names = query_names(); print(len(names), query_text(names[0])[:2])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    count, head = done.stdout.split()
    assert int(count) == len(list((REPO / "queries").glob("*.sql")))
    assert head == "--"


def test_wheel_contains_queries_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for sql in (REPO / "queries").glob("*.sql"):
        assert f"chargeback/queries/{sql.name}" in names
    assert "chargeback/report_templates/__init__.py" in names
    templates = list((REPO / "report_templates").glob("*.toml"))
    assert {t.name for t in templates} >= {"workbook.toml", "journal.toml"}
    for template in templates:
        assert f"chargeback/report_templates/{template.name}" in names
    assert not any(n.startswith(("tests/", "sample_data/")) for n in names)
