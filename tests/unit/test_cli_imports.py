"""Start-up stays light (issue 19): ``chargeback --help`` and the commands' own help load
neither DuckDB, pyarrow, pandas nor XlsxWriter, and the Lambda handler never loads the CLI
libraries. Checked by the modules a fresh interpreter has imported, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("duckdb", "pyarrow", "pandas", "numpy", "xlsxwriter", "openpyxl", "boto3")

_PROBE = """
import json, sys
sys.argv = ["chargeback", *json.loads(sys.argv[1])]
from chargeback.frontends.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.write("\\n@@" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _imported_by(args: list[str]) -> tuple[set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
    )
    shown, _, modules = done.stdout.rpartition("\n@@")
    return set(json.loads(modules)), shown + done.stderr


@pytest.mark.parametrize(
    "args",
    [["--help"], ["run", "--help"], ["config", "--help"], ["--version"], []],
    ids=["help", "run-help", "config-help", "version", "no-args"],
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    modules, shown = _imported_by(args)
    assert "Usage" in shown or "bedrock-chargeback" in shown  # the probe ran the CLI
    assert "typer" in modules
    assert sorted(modules & set(HEAVY)) == []


def test_config_check_needs_no_engine() -> None:
    """``config check`` validates files: no query engine, no workbook library."""
    modules, shown = _imported_by(["config", "check", "--config", "/nonexistent/c.toml"])
    assert "error: config file /nonexistent/c.toml does not exist" in shown
    assert sorted(modules & set(HEAVY)) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The probe would notice: a command that does work imports DuckDB."""
    modules, _ = _imported_by(["periods", "/nonexistent-folder-for-probe"])
    assert "duckdb" in modules


def test_lambda_handler_loads_no_cli_library() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, chargeback.frontends.aws_lambda; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = set(json.loads(done.stdout))
    assert "chargeback" in modules
    assert sorted(modules & {"typer", "click", "rich", "pandas", "openpyxl"}) == []
