"""[invocation_logs] in chargeback.toml, --invocation-logs and CHARGEBACK_INVOCATION_LOGS."""

from __future__ import annotations

from pathlib import Path

import pytest

from chargeback.errors import ConfigError
from chargeback.settings.resolve import resolve_run_config


def test_file_section_resolves_relative_location_and_keys(tmp_path: Path) -> None:
    (tmp_path / "chargeback.toml").write_text(
        '[invocation_logs]\nlocation = "logs"\ncost_center_keys = "cc"\nteam_key = "squad"\n'
    )
    config = resolve_run_config("src", "2026-10", cwd=tmp_path, environ={})
    assert config.invocation_logs is not None
    assert config.invocation_logs.location == str(tmp_path / "logs")
    assert config.invocation_logs.cost_center_keys == ("cc",)
    assert config.invocation_logs.statement_keys["team"] == "squad"
    assert config.invocation_logs.statement_keys["application"] == "applicationId"


def test_environment_then_argument_win_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "chargeback.toml").write_text('[invocation_logs]\nlocation = "logs"\n')
    env = {"CHARGEBACK_INVOCATION_LOGS": "s3://b/env"}
    config = resolve_run_config("src", "2026-10", cwd=tmp_path, environ=env)
    assert config.invocation_logs is not None
    assert config.invocation_logs.location == "s3://b/env"
    config = resolve_run_config("src", "2026-10", cwd=tmp_path, environ=env, invocation_logs="x")
    assert config.invocation_logs is not None and config.invocation_logs.location == "x"


def test_no_logs_by_default_and_bad_sections_refused(tmp_path: Path) -> None:
    assert resolve_run_config("src", "2026-10", cwd=tmp_path, environ={}).invocation_logs is None
    (tmp_path / "chargeback.toml").write_text('[invocation_logs]\nlocaton = "logs"\n')
    with pytest.raises(ConfigError, match="unknown key invocation_logs.'?locaton"):
        resolve_run_config("src", "2026-10", cwd=tmp_path, environ={})
    (tmp_path / "chargeback.toml").write_text('[invocation_logs]\ncost_center_keys = ["cc"]\n')
    with pytest.raises(ConfigError, match="gives no location"):
        resolve_run_config("src", "2026-10", cwd=tmp_path, environ={})
    (tmp_path / "chargeback.toml").write_text("[invocation_logs]\ncost_center_keys = []\n")
    with pytest.raises(ConfigError, match="cost_center_keys must be"):
        resolve_run_config("src", "2026-10", cwd=tmp_path, environ={})


def test_order_naming_the_rule_without_logs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "chargeback.toml").write_text(
        '[attribution]\norder = ["resource_tag", "invocation_logs"]\n'
    )
    with pytest.raises(ConfigError, match="names invocation_logs but no invocation logs"):
        resolve_run_config("src", "2026-10", cwd=tmp_path, environ={})
    config = resolve_run_config("src", "2026-10", cwd=tmp_path, environ={}, invocation_logs="l")
    assert config.invocation_logs is not None


def test_at_most_three_cost_center_keys(tmp_path: Path) -> None:
    (tmp_path / "chargeback.toml").write_text(
        '[invocation_logs]\nlocation = "l"\ncost_center_keys = ["a", "b", "c", "d"]\n'
    )
    with pytest.raises(ConfigError, match="names 4 keys: give at most 3"):
        resolve_run_config("src", "2026-10", cwd=tmp_path, environ={})
