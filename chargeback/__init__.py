"""Bedrock chargeback over AWS Data Exports: the library face.

In a notebook::

    from chargeback import load_config, run

    result = run(load_config("sample_data/bedrock-cur2", "2026-10", out="out"))
    result.summary_frame()   # one row per cost center and currency, amounts exact to the cent
    result.lines_frame()     # every statement line

``load_config`` resolves settings the way the CLI does (arguments > ``CHARGEBACK_*``
environment > ``chargeback.toml`` > defaults); ``RunConfig(...)`` builds them directly.
Every error a user can cause is a ``ChargebackError`` (``ConfigError``, ``InputError``,
``QueryError``, ``OutputError``).
The names below load on first use, so ``import chargeback`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from chargeback.errors import (
        ChargebackError,
        ConfigError,
        ExitCode,
        InputError,
        OutputError,
        QueryError,
    )
    from chargeback.pipeline import run
    from chargeback.results import RunResult
    from chargeback.settings.model import CostMeasure, Period, RunConfig
    from chargeback.settings.resolve import resolve_run_config as load_config

__all__ = [
    "ChargebackError",
    "ConfigError",
    "CostMeasure",
    "ExitCode",
    "InputError",
    "OutputError",
    "Period",
    "QueryError",
    "RunConfig",
    "RunResult",
    "__version__",
    "load_config",
    "run",
]

#: Where each public name lives: (module, name there).
_EXPORTS: dict[str, tuple[str, str]] = {
    "ChargebackError": ("chargeback.errors", "ChargebackError"),
    "ConfigError": ("chargeback.errors", "ConfigError"),
    "ExitCode": ("chargeback.errors", "ExitCode"),
    "InputError": ("chargeback.errors", "InputError"),
    "OutputError": ("chargeback.errors", "OutputError"),
    "QueryError": ("chargeback.errors", "QueryError"),
    "CostMeasure": ("chargeback.settings.model", "CostMeasure"),
    "Period": ("chargeback.settings.model", "Period"),
    "RunConfig": ("chargeback.settings.model", "RunConfig"),
    "RunResult": ("chargeback.results", "RunResult"),
    "load_config": ("chargeback.settings.resolve", "resolve_run_config"),
    "run": ("chargeback.pipeline", "run"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'chargeback' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
