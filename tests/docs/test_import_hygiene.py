"""The Lambda adapter must not pay for the CLI stack at cold start."""

from __future__ import annotations

import json
import subprocess
import sys


def imported_after(statement: str) -> set[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_lambda_handler_does_not_import_typer_or_rich() -> None:
    modules = imported_after("import chargeback.frontends.aws_lambda")
    assert "chargeback.frontends.aws_lambda" in modules
    assert {m.split(".")[0] for m in modules} & {"typer", "rich", "click"} == set()


def test_the_check_would_see_the_cli() -> None:
    assert "typer" in imported_after("import chargeback.frontends.cli")
