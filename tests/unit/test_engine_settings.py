"""--engine and --spark-remote resolve like every setting: argument > CHARGEBACK_* > file."""

from __future__ import annotations

from pathlib import Path

import pytest

from chargeback.errors import ConfigError
from chargeback.settings.model import ScanEngine
from chargeback.settings.resolve import resolve_run_config


def test_the_default_engine_is_duckdb(tmp_path: Path) -> None:
    config = resolve_run_config("export", "2026-10", environ={}, cwd=tmp_path)
    assert config.engine is ScanEngine.DUCKDB and config.spark_remote is None


def test_environment_and_file_set_the_engine_and_arguments_win(tmp_path: Path) -> None:
    (tmp_path / "chargeback.toml").write_text('engine = "spark"\n', encoding="utf-8")
    from_file = resolve_run_config("export", "2026-10", environ={}, cwd=tmp_path)
    assert from_file.engine is ScanEngine.SPARK
    env = {"CHARGEBACK_ENGINE": "duckdb"}
    assert resolve_run_config("e", "2026-10", environ=env, cwd=tmp_path).engine.value == "duckdb"
    env = {"CHARGEBACK_ENGINE": "duckdb", "CHARGEBACK_SPARK_REMOTE": "sc://h:15002"}
    config = resolve_run_config("e", "2026-10", environ=env, cwd=tmp_path, engine="spark")
    assert config.engine is ScanEngine.SPARK and config.spark_remote == "sc://h:15002"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CHARGEBACK_ENGINE": "polars"}, "CHARGEBACK_ENGINE='polars': use one of duckdb, spark"),
        (
            {"CHARGEBACK_SPARK_REMOTE": "sc://h:15002"},
            "--spark-remote 'sc://h:15002' is set but the engine is duckdb: add --engine spark",
        ),
        (
            {"CHARGEBACK_ENGINE": "spark", "CHARGEBACK_SPARK_REMOTE": "http://h:15002"},
            "--spark-remote 'http://h:15002' is not a Spark Connect URL: write it as sc://HOST:PORT",
        ),
    ],
)
def test_a_bad_engine_setting_is_one_config_error(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_run_config("export", "2026-10", environ=env, cwd=tmp_path)
    assert str(info.value).startswith(message), str(info.value)


def test_a_bad_engine_in_the_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "chargeback.toml").write_text('engine = "pandas"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        resolve_run_config("export", "2026-10", environ={}, cwd=tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'chargeback.toml'}: engine = 'pandas' is not one of duckdb, spark"
    )
