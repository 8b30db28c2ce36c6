"""Unit economics from statement lines: rows add up to each cost center's rounded total,
tokens and rates from the lines' exact figures, the cache's savings at the model's input
rate; and the workbook template keeps working without the new sheet's keys."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

from chargeback.allocate.statements import StatementLine, build_currency_totals
from chargeback.allocate.unit_economics import unit_economics
from chargeback.report.templates import parse_workbook

D = Decimal


def line(
    cc: str, model: str, kind: str, tokens: str | None, amount: str, **kw: str
) -> StatementLine:
    base = StatementLine.blank(cc, "USD", kw.pop("line_item_type", "Usage"))
    fields = {
        **base.__dict__,
        "model": model,
        "token_kind": kind,
        "usage_kind": kw.pop("usage_kind", kind or "other"),
        "service_tier": "standard" if kind else "",
        "tokens": None if tokens is None else D(tokens),
        "exact_amount": D(amount),
        "line_items": 1,
        **kw,
    }
    return StatementLine(**fields)


def test_rows_add_up_to_each_cost_center_and_rates_come_from_exact_amounts() -> None:
    lines = [
        # three thirds of a cent each: rounded alone they would lose a cent
        line("A", "M", "input", "1000000", "0.003333"),
        line("A", "M", "input", "1000000", "0.003333"),
        line("A", "M", "output", "500000", "0.003334"),
        line("A", "M", "cache_read", "4000000", "1.20"),
        line("A", "", "", None, "0.333", charge_kind="guardrails"),
        line("A", "", "", None, "0.333", line_item_type="Tax", usage_kind=""),
        line("B", "M", "input", "2000000", "6.00"),
    ]
    [totals] = build_currency_totals(lines)
    economics = unit_economics([totals])
    for cc in totals.cost_centers:
        rows = [r for r in economics.rows if r.cost_center == cc.cost_center]
        assert sum(r.amount for r in rows) == cc.amount
    a = {(r.model, r.token_kind, r.charge): r for r in economics.rows if r.cost_center == "A"}
    assert set(a) == {
        ("M", "input", ""),
        ("M", "output", ""),
        ("M", "cache_read", ""),
        ("", "", "guardrails"),
        ("", "", "tax"),
    }
    assert a[("M", "input", "")].tokens == D(2_000_000)
    assert a[("M", "input", "")].cost_per_million == D("0.0033")  # 0.006666 / 2M x 1M
    assert a[("M", "cache_read", "")].cost_per_million == D("0.3")
    # the model's input rate over every cost center: (0.006666 + 6.00) / 4M tokens
    [cache] = [c for c in economics.cache if c.cost_center == "A"]
    rate = (D("0.006666") + D("6.00")) / D(4_000_000)
    assert cache.savings == (D(4_000_000) * rate - D("1.20")).quantize(D("0.01"))
    assert cache.hit_rate_pct == (D(4_000_000) * 100 / D(6_000_000)).quantize(D("0.01"))
    assert [c.cost_center for c in economics.cache] == ["A"]  # B has no cache tokens


def test_a_copied_template_without_the_new_sheet_still_loads() -> None:
    text = (resources.files("chargeback.report_templates") / "workbook.toml").read_text("utf-8")
    old = "\n".join(ln for ln in text.splitlines() if not ln.startswith("unit_economics = "))
    template = parse_workbook(old, "old-workbook.toml")
    assert template.sheets["unit_economics"] == "Unit economics"
    assert template.title("unit_economics", period="2026-10", cost_center="").startswith(
        "Unit economics 2026-10"
    )
