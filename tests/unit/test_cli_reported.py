"""Every command reports errors the same way: one line, the error's exit code; Ctrl-C 130."""

from __future__ import annotations

import pytest
import typer

from chargeback.errors import ExitCode, InputError
from chargeback.frontends.cli import _reported


def test_ctrl_c_in_any_command_is_one_line_and_130(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as raised, _reported():
        raise KeyboardInterrupt
    assert raised.value.exit_code == int(ExitCode.INTERRUPTED) == 130
    assert capsys.readouterr().err == (
        "error: interrupted (SIGINT) before the command completed; run it again\n"
    )


def test_a_chargeback_error_is_one_escaped_line_and_its_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(typer.Exit) as raised, _reported():
        raise InputError("bad\n  file \x1b[31mred")
    assert raised.value.exit_code == ExitCode.INPUT
    assert capsys.readouterr().err == "error: bad file \\x1b[31mred\n"
