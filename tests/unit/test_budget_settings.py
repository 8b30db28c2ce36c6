"""Budgets in the cost-center master list and ``[alerts]`` in chargeback.toml: read, checked,
and refused with one line naming the file, line and value."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from chargeback.errors import ConfigError
from chargeback.report.budgets import month_elapsed
from chargeback.settings.files import load_settings
from chargeback.settings.model import Period
from chargeback.settings.rules import AlertThresholds
from chargeback.settings.tables import load_master


def master(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cost_centers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_budget_and_currency_are_optional_columns(tmp_path: Path) -> None:
    path = master(
        tmp_path,
        'code,name,budget,budget_currency\nCC-1,A,"2,500.5",eur\nCC-2,B,,\nCC-3,C,0,\n',
    )
    got = {c.code: (c.budget, c.budget_currency) for c in load_master(path)}
    assert got == {
        "CC-1": (Decimal("2500.50"), "EUR"),
        "CC-2": (None, ""),
        "CC-3": (Decimal("0.00"), ""),
    }
    plain = master(tmp_path, "code,name\nCC-1,A\n")
    assert load_master(plain)[0].budget is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("CC-1,lots,", "line 2: budget 'lots' for 'CC-1' is not an amount of 0 or more"),
        ("CC-1,-5,", "line 2: budget '-5' for 'CC-1' is not an amount of 0 or more"),
        ("CC-1,NaN,", "line 2: budget 'NaN' for 'CC-1' is not an amount"),
        ("CC-1,10,dollars", "budget_currency 'dollars' for 'CC-1' is not a 3-letter currency"),
        ("CC-1,,USD", "'CC-1' has a budget_currency but no budget"),
    ],
)
def test_bad_budgets_are_refused_naming_the_line(tmp_path: Path, row: str, message: str) -> None:
    path = master(tmp_path, f"code,budget,budget_currency\n{row}\n")
    with pytest.raises(ConfigError) as e:
        load_master(path)
    assert str(e.value).startswith(str(path))
    assert message in str(e.value)


def test_alert_thresholds_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "chargeback.toml"
    path.write_text(
        'alert_topic = "arn:aws:sns:eu-west-1:123456789012:alerts"\n'
        "[alerts]\nmonth_ratio = 2\nmin_months = 3\nmin_amount = 25.5\nbudget_warn_pct = 80\n"
    )
    settings = load_settings(path)
    assert settings.alerts == AlertThresholds(Decimal("2"), 3, Decimal("25.5"), Decimal("80"))
    assert settings.run["alert_topic"] == "arn:aws:sns:eu-west-1:123456789012:alerts"
    assert load_settings(None).alerts == AlertThresholds()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("month_ratio = 1", "alerts.month_ratio = 1 must be more than 1"),
        ("month_ratio = 'x'", "alerts.month_ratio = 'x' must be a number"),
        ("min_months = 7", "alerts.min_months = 7 must be a whole number from 1 to 6"),
        ("min_amount = -1", "alerts.min_amount = -1 must be 0 or more"),
        ("daily_ratio = 3", "unknown key alerts.'daily_ratio'"),
    ],
)
def test_bad_thresholds_are_refused(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "chargeback.toml"
    path.write_text(f"[alerts]\n{line}\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(path)


def test_days_elapsed_for_the_projection() -> None:
    october = Period(2026, 10)
    assert month_elapsed(october, datetime(2026, 10, 1, 0, 5, tzinfo=UTC)) == (1, 31)
    assert month_elapsed(october, datetime(2026, 10, 31, 23, 0, tzinfo=UTC)) == (31, 31)
    assert month_elapsed(october, datetime(2026, 11, 1, tzinfo=UTC)) is None
    assert month_elapsed(Period(2028, 2), datetime(2028, 2, 10, tzinfo=UTC)) == (10, 29)
