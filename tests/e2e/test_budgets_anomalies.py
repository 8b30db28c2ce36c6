"""Budgets, anomalies and alerts over a sample history (tests/support/history_months.py):
three months published into one --out, October provisional. Every figure is checked
against the rows' own sums, to the cent."""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chargeback.pipeline import run
from chargeback.results import RunResult
from chargeback.settings.files import build_run_config, load_settings
from tests.support.accounting import find, header_columns
from tests.support.history_months import (
    BUDGETS,
    CANONICAL,
    MONTHS,
    RUN_AT,
    median_of,
    projected,
    publish_history,
    spent,
)

History = tuple[list[dict[str, Any]], dict[str, RunResult]]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return publish_history(tmp_path_factory.mktemp("history"))


def test_first_months_have_not_enough_history_and_no_flag(history: History) -> None:
    _, results = history
    first = results["2026-08"].alerts
    assert first is not None and not first.anomalies.enough and not first.anomalies.flags
    assert "0 previous month(s)" in first.anomalies.note and "2 needed" in first.anomalies.note
    second = results["2026-09"].alerts
    assert second is not None and not second.anomalies.enough
    assert second.anomalies.history == ("2026-08",)


def test_budget_lines_and_projection_to_the_cent(history: History) -> None:
    rows, results = history
    alerts = results["2026-10"].alerts
    assert alerts is not None
    lines = {b.cost_center: b for b in alerts.budgets}
    for cc, budget in BUDGETS.items():
        amount = spent(rows, "2026-10", cc)
        b = lines[cc]
        assert (b.budget, b.spent, b.remaining) == (budget, amount, budget - amount)
        assert b.used_pct == (amount * 100 / budget).quantize(Decimal("0.01"))
        assert b.projected == projected(amount)
    assert lines["CC-3003"].flag == "over_budget"
    assert lines["CC-1001"].flag == "projected_over_budget"
    on_course = lines["CC-1001"].projected
    assert on_course is not None and lines["CC-1001"].spent < BUDGETS["CC-1001"] < on_course
    assert lines["CC-2002"].flag == ""
    # months that have ended are not projected
    done = results["2026-09"].alerts
    assert done is not None and all(b.projected is None for b in done.budgets)


def test_anomalies_carry_the_figures_that_triggered_them(history: History) -> None:
    rows, results = history
    alerts = results["2026-10"].alerts
    assert alerts is not None
    check = alerts.anomalies
    assert check.enough and check.history == ("2026-09", "2026-08")
    flags = {(f.cost_center, f.model): f for f in check.flags}
    assert set(flags) == {("CC-2002", ""), ("CC-2002", "Claude Sonnet 4.6")}
    for (cc, model), flag in flags.items():
        name = model or None
        amount = projected(spent(rows, "2026-10", cc, name))
        median = median_of([spent(rows, m, cc, name) for m in MONTHS[:2]])
        assert (flag.amount, flag.median, flag.months, flag.projected) == (amount, median, 2, True)
        assert flag.ratio == (amount / median).quantize(flag.ratio)
        assert flag.ratio > 3


def test_alerts_worst_first_in_run_json_and_the_alerts_sheet(history: History) -> None:
    rows, results = history
    result = results["2026-10"]
    kinds = [(a["kind"], a["cost_center"], a["model"]) for a in result.to_json()["alerts"]]
    assert kinds == [
        ("over_budget", "CC-3003", None),
        ("projected_over_budget", "CC-1001", None),
        ("above_median", "CC-2002", None),
        ("above_median", "CC-2002", "Claude Sonnet 4.6"),
    ]
    book = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    ws = book["Alerts"]
    head, _ = find(ws, "Alert")
    cols = header_columns(ws, head)
    got = [
        (ws.cell(head + i, cols["Alert"]).value, ws.cell(head + i, cols["Cost center"]).value)
        for i in range(1, 5)
    ]
    assert got == [(k, cc) for k, cc, _ in kinds]
    over = spent(rows, "2026-10", "CC-3003")
    assert ws.cell(head + 1, cols["Amount"]).value == float(over)
    assert ws.cell(head + 1, cols["Budget or median"]).value == float(BUDGETS["CC-3003"])
    message = str(ws.cell(head + 1, cols["What happened"]).value)
    assert f"{over:,}" in message and "50.00 USD" in message


def test_summary_shows_budget_remaining_used_and_projection(history: History) -> None:
    rows, results = history
    book = openpyxl.load_workbook(results["2026-10"].outputs["workbook"], data_only=True)
    ws = book["Summary"]
    head, _ = find(ws, "Cost center")
    cols = header_columns(ws, head)
    for cc, budget in BUDGETS.items():
        r, _ = find(ws, cc)
        amount = spent(rows, "2026-10", cc)
        assert ws.cell(r, cols["Net charge"]).value == float(amount)
        assert ws.cell(r, cols["Budget"]).value == float(budget)
        assert ws.cell(r, cols["Remaining"]).value == float(budget - amount)
        used = (amount * 100 / budget).quantize(Decimal("0.01"))
        assert ws.cell(r, cols["Budget used %"]).value == float(used)
        assert ws.cell(r, cols["Projected"]).value == float(projected(amount))


def test_spend_by_model_in_run_json_adds_up_to_each_cost_center(history: History) -> None:
    rows, results = history
    doc = results["2026-10"].to_json()
    by_model = {(r["cost_center"], r["model"]): r["amount"] for r in doc["spend_by_model"]}
    assert by_model[("CC-2002", "Claude Sonnet 4.6")] == str(
        spent(rows, "2026-10", "CC-2002", "Claude Sonnet 4.6")
    )
    for cc, amount in doc["totals"][0]["cost_centers"].items():
        parts = [v for (c, _), v in by_model.items() if c == cc]
        assert sum(map(Decimal, parts)) == Decimal(amount)


def test_thresholds_from_chargeback_toml(tmp_path: Path, history: History) -> None:
    rows, results = history
    out = tmp_path / "out"
    shutil.copytree(Path(results["2026-10"].output_dir).parent, out, symlinks=True)
    toml = tmp_path / "chargeback.toml"
    toml.write_text("[alerts]\nmonth_ratio = 1.02\nmin_months = 1\nmin_amount = 0\n")
    october = results["2026-10"].config
    config = build_run_config(october.source, "2026-10", load_settings(toml), out=str(out))
    again = run(replace(config, rules=october.rules), now=RUN_AT["2026-10"])
    assert again.alerts is not None
    expected = set()
    for cc in BUDGETS:
        for model in (None, "Nova Pro", "Claude Sonnet 4.6"):
            amount = projected(spent(rows, "2026-10", cc, model))
            median = median_of([spent(rows, m, cc, model) for m in MONTHS[:2]])
            if median > 0 and amount > median * Decimal("1.02"):
                expected.add((cc, CANONICAL[model] if model else ""))
    assert {(f.cost_center, f.model) for f in again.alerts.anomalies.flags} == expected
    assert len(expected) > 2  # the lower threshold flags more than the default's two
