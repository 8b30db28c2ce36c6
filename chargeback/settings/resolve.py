"""One run's settings, resolved in one place for the CLI, the Lambda handler and notebooks.

Precedence: arguments > environment (``CHARGEBACK_*``) > config file > default. The CLI's
typer options name the same variables (``ENV``) so ``--help`` shows them; the Lambda handler
has only the environment and the delivery; a notebook passes arguments. All three call
``resolve_run_config``, so a variable means the same thing everywhere and a bad value is the
same one-line ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from chargeback.errors import ConfigError
from chargeback.settings.files import build_run_config, find_config, load_settings
from chargeback.settings.model import CostMeasure, RunConfig
from chargeback.settings.textfile import shown

#: The environment variable of each setting.
ENV: dict[str, str] = {
    "source": "CHARGEBACK_SOURCE",
    "period": "CHARGEBACK_PERIOD",
    "out": "CHARGEBACK_OUT",
    "cost_center_tag": "CHARGEBACK_COST_CENTER_TAG",
    "cost_measure": "CHARGEBACK_COST_MEASURE",
    "threads": "CHARGEBACK_THREADS",
    "memory_limit": "CHARGEBACK_MEMORY_LIMIT",
    "templates": "CHARGEBACK_TEMPLATES",
    "config": "CHARGEBACK_CONFIG",
    "strict": "CHARGEBACK_STRICT",
    "alert_topic": "CHARGEBACK_ALERT_TOPIC",
}

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def resolve_run_config(
    source: str,
    period: str,
    *,
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    require_out: bool = False,
    out: str | None = None,
    cost_center_tag: str | None = None,
    cost_measure: CostMeasure | str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    templates: str | None = None,
    strict: bool | None = None,
    alert_topic: str | None = None,
) -> RunConfig:
    """The run's settings from arguments, else the environment, else the config file
    (``config_file``, ``CHARGEBACK_CONFIG`` or ``cwd/chargeback.toml``), else defaults.

    ``require_out``: refuse to fall back to the default ``out`` folder (the Lambda handler
    has no local folder worth writing to).
    """
    env = os.environ if environ is None else environ
    settings = load_settings(find_config(config_file or _env(env, "config"), cwd))
    out = out if out is not None else _env(env, "out")
    if require_out and out is None and "out" not in settings.run:
        raise ConfigError(
            f"{ENV['out']} is not set: give the output URI, e.g. s3://bucket/chargeback, "
            "in the environment or as out in the config file"
        )
    return build_run_config(
        source,
        period,
        settings,
        out=out,
        cost_center_tag=cost_center_tag
        if cost_center_tag is not None
        else _env(env, "cost_center_tag"),
        cost_measure=_measure(
            cost_measure if cost_measure is not None else _env(env, "cost_measure")
        ),
        threads=threads if threads is not None else _threads(_env(env, "threads")),
        memory_limit=memory_limit if memory_limit is not None else _env(env, "memory_limit"),
        templates=templates if templates is not None else _env(env, "templates"),
        strict=strict if strict is not None else _flag(_env(env, "strict"), "strict"),
        alert_topic=alert_topic if alert_topic is not None else _topic(_env(env, "alert_topic")),
    )


def _topic(value: str | None) -> str | None:
    if value is not None and not value.startswith("arn:"):
        raise ConfigError(
            f"{ENV['alert_topic']}={shown(value)} is not an SNS topic ARN: give "
            "arn:aws:sns:REGION:ACCOUNT:NAME"
        )
    return value


def _env(env: Mapping[str, str], name: str) -> str | None:
    """A variable's value; unset and blank are the same (a blank one sets nothing)."""
    return env.get(ENV[name], "").strip() or None


def _measure(value: CostMeasure | str | None) -> CostMeasure | None:
    if value is None or isinstance(value, CostMeasure):
        return value
    try:
        return CostMeasure(value)
    except ValueError as e:
        choices = ", ".join(m.value for m in CostMeasure)
        raise ConfigError(f"{ENV['cost_measure']}={shown(value)}: use one of {choices}") from e


def _threads(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise ConfigError(f"{ENV['threads']}={shown(value)}: give a whole number, e.g. 2")
    return int(value)


def _flag(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigError(f"{ENV[name]}={value!r}: use true or false (1 or 0)")


def resolve_out(
    out: str | None = None,
    *,
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> str:
    """Where the statements are, resolved as for a run: argument, ``CHARGEBACK_OUT``, the
    config file's ``out``, else ``out``."""
    env = os.environ if environ is None else environ
    if out is None:
        out = _env(env, "out")
    if out is None:
        settings = load_settings(find_config(config_file or _env(env, "config"), cwd))
        out = str(settings.run.get("out", "out"))
    if not out.strip():
        raise ConfigError("--out is empty: give the folder the statements go to")
    return out
