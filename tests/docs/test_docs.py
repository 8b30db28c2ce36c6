"""README.md tells the truth: its commands are the ones CI and users run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.S)


def test_readme_starts_with_the_demo_and_the_test_command() -> None:
    demo, tests = readme_commands()[:2]
    assert "chargeback run sample_data/" in demo
    assert demo.startswith("python3 -m venv .venv && ")
    assert tests.startswith("python3 -m venv .venv && ")
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    tests = readme_commands()[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_readme_demo_runs_on_the_sample(tmp_path: Path) -> None:
    """The demo's chargeback command, run as written (installation is CI's own step)."""
    demo = readme_commands()[0]
    command = demo.split("&& .venv/bin/", 2)[-1]
    args = command.split()
    assert args[:2] == ["chargeback", "run"]
    exe = Path(sys.executable).with_name("chargeback")
    out = tmp_path / "out"
    args = [str(exe), *args[1:]]
    args[args.index("--out") + 1] = str(out)
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Workbook: " in done.stdout
    for cc in ("CC-1001", "CC-2002", "CC-3003", "UNATTRIBUTED", "TOTAL"):
        assert cc in done.stdout
    assert (out / "2026-10" / "chargeback-2026-10.xlsx").is_file()


def test_every_command_has_help_and_is_in_the_readme() -> None:
    from chargeback.frontends.cli import app

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert command.callback is not None and command.callback.__doc__, name
        assert f"chargeback {name}" in readme, name
