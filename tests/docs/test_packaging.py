"""The queries and templates ship inside the package and are found from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.paths import REPO, SAMPLE


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


def build_wheel(tmp_path: Path) -> set[str]:
    """The names in a wheel built from a copy of the tracked files: a build/ folder left in
    a working copy by an earlier build cannot leak stale modules into it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    src = tmp_path / "src"
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_wheel_holds_the_package_and_nothing_else(tmp_path: Path) -> None:
    names = build_wheel(tmp_path)
    modules = {n for n in names if n.endswith(".py")}
    expected = {p.relative_to(REPO).as_posix() for p in (REPO / "chargeback").rglob("*.py")} | {
        "chargeback/queries/__init__.py",
        "chargeback/report_templates/__init__.py",
    }
    assert modules == expected  # no sample generator, no stale module
    assert not any("sample" in n or "generator" in n for n in names)
    assert not any(n.startswith(("tests/", "sample_data/", "benchmarks/")) for n in names)
    for sql in (REPO / "queries").glob("*.sql"):
        assert f"chargeback/queries/{sql.name}" in names
    assert "chargeback/report_templates/__init__.py" in names
    assert "chargeback/bedrock_taxonomy.toml" in names  # the Bedrock taxonomy's table
    templates = list((REPO / "report_templates").glob("*.toml"))
    assert {t.name for t in templates} >= {"workbook.toml", "journal.toml"}
    for template in templates:
        assert f"chargeback/report_templates/{template.name}" in names


def test_the_installed_wheel_runs_the_sample_month(tmp_path: Path) -> None:
    """The wheel alone (no source tree on the path) finds its queries and templates."""
    build_wheel(tmp_path)
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import chargeback.pipeline as p; print(p.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site))
    args = ["-m", "chargeback", "run", str(SAMPLE), "--period", "2026-10", "--out", "out"]
    done = subprocess.run(
        [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "TOTAL               6,597.83 USD" in done.stdout  # sample_data/README.md's total
    assert (tmp_path / "out" / "2026-10" / "chargeback-2026-10.xlsx").is_file()
