"""Settings resolved in one place: arguments > CHARGEBACK_* environment > file > default,
the same for the CLI, the Lambda handler and notebooks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chargeback.errors import ConfigError
from chargeback.frontends import aws_lambda
from chargeback.frontends.cli import app
from chargeback.frontends.s3event import created_objects, delivery
from chargeback.settings.model import CostMeasure
from chargeback.settings.resolve import ENV, resolve_run_config


def config_file(folder: Path) -> Path:
    path = folder / "chargeback.toml"
    path.write_text('out = "from-file"\ncost_center_tag = "FileTag"\nthreads = 3\n', "utf-8")
    return path


def test_arguments_beat_environment_beat_file_beat_defaults(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    env = {ENV["config"]: str(path), ENV["cost_center_tag"]: "EnvTag", ENV["threads"]: " "}
    config = resolve_run_config("src", "2026-10", environ=env, cwd=tmp_path, out="from-arg")
    assert config.out == "from-arg"  # argument
    assert config.cost_center_tag == "EnvTag"  # environment over the file
    assert config.threads == 3  # blank variable: the file's value
    assert config.cost_measure is CostMeasure.NET_UNBLENDED  # default
    assert config.config_file == str(path)


def test_the_default_config_is_looked_up_in_the_folder_given(tmp_path: Path) -> None:
    config_file(tmp_path)
    assert resolve_run_config("s", "2026-10", environ={}, cwd=tmp_path).out == "from-file"
    assert resolve_run_config("s", "2026-10", environ={}, cwd=tmp_path / "x").out == "out"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("cost_measure", "gross", "CHARGEBACK_COST_MEASURE='gross': use one of net_unblended"),
        ("threads", "two", "CHARGEBACK_THREADS='two': give a whole number"),
        ("config", "/nonexistent/c.toml", "config file /nonexistent/c.toml does not exist"),
    ],
)
def test_a_bad_variable_is_named(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        resolve_run_config("s", "2026-10", environ={ENV[name]: value})


def test_the_lambda_requires_an_output_and_keeps_its_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ENV.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "chargeback")
    monkeypatch.chdir(tmp_path)
    key = "exports/x/metadata/BILLING_PERIOD=2026-10/x-Manifest.json"
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "b"}, "object": {"key": key}},
            }
        ]
    }
    result = aws_lambda.handler(event, None)
    assert result["status"] == "failed"
    assert "CHARGEBACK_OUT is not set" in result["runs"][0]["error"]
    assert Path(os.getcwd()) == tmp_path  # no chdir: ./chargeback.toml is looked up here
    found = delivery(next(iter(created_objects(event))))
    assert found is not None
    monkeypatch.setenv("CHARGEBACK_OUT", "s3://reports/chargeback")
    monkeypatch.setenv("CHARGEBACK_COST_MEASURE", "unblended")
    config = aws_lambda.config_for(found)
    assert (config.out, config.cost_measure) == ("s3://reports/chargeback", CostMeasure.UNBLENDED)


def test_every_variable_is_an_option_of_the_cli() -> None:
    """The CLI's options name the same variables the handler and notebooks read."""
    import typer.main

    command = typer.main.get_command(app)
    run = command.commands["run"]  # type: ignore[attr-defined]
    envvars = {p.envvar for p in run.params if p.envvar}
    assert envvars == set(ENV.values())
