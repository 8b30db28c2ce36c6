"""What the CLI prints for ``run``'s totals, ``periods``, ``coverage`` and ``config check``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from chargeback.allocate.money import round_money
from chargeback.allocate.statements import UNATTRIBUTED
from chargeback.report.safety import terminal_line, terminal_text
from chargeback.settings.model import MEMORY_PER_THREAD, CostMeasure
from chargeback.taxonomy import PolicyKind

if TYPE_CHECKING:  # the types only: their modules load DuckDB and pyarrow
    from chargeback.allocate.invocation_logs import LogSummary
    from chargeback.allocate.statements import CostCenterTotal, CurrencyTotals
    from chargeback.closing import HistoryRow
    from chargeback.report.alerts import MonthAlerts
    from chargeback.results import AdjustmentInfo
    from chargeback.run_record import PublishedMonth
    from chargeback.settings.files import FileSettings
    from chargeback.survey import CoverageReport, PeriodRow


def run_summary_text(
    totals: CurrencyTotals,
    shown: int = 50,
    last_month: Mapping[tuple[str, str], Decimal] | None = None,
) -> list[str]:
    """One currency's totals after a run: the ``shown`` largest cost centers (largest amount
    first, ties by name), a line for the rest with their sum, then UNATTRIBUTED and TOTAL,
    which are always shown. With ``last_month`` ((cost center, currency) -> amount, from
    the previous month's published run), each line ends with the change since."""
    centers = sorted(
        (c for c in totals.cost_centers if not c.is_unattributed),
        key=lambda c: (-c.amount, c.cost_center),
    )
    top, rest = centers[:shown], centers[shown:]
    names = [terminal_text(c.cost_center) for c in top]
    width = max(len(n) for n in (*names, "UNATTRIBUTED"))

    def change(cc: CostCenterTotal) -> str:
        if last_month is None:
            return ""
        last = last_month.get((cc.cost_center, cc.currency), Decimal(0))
        pct = f" ({(cc.amount - last) * 100 / abs(last):+.1f}%)" if last else " (new)"
        return f"  {cc.amount - last:>+14,.2f} since last month{pct}"

    def line(name: str, cc: CostCenterTotal) -> str:
        return (
            f"  {name:<{width}}  {cc.amount:>14,.2f} {cc.currency}  {cc.share_pct:>6.2f}%"
            + change(cc)
        )

    out = [line(name, cc) for name, cc in zip(names, top, strict=True)]
    if rest:
        amount = sum((c.amount for c in rest), Decimal(0))
        out.append(
            f"  ... and {len(rest):,} more cost centers: {amount:,.2f} {totals.currency} "
            "(see the summary CSV)"
        )
    out += [line("UNATTRIBUTED", c) for c in totals.cost_centers if c.is_unattributed]
    total = f"  {'TOTAL':<{width}}  {totals.total:>14,.2f} {totals.currency}"
    if last_month is not None:
        last = sum((a for (_, cur), a in last_month.items() if cur == totals.currency), Decimal(0))
        total += f"  {'':>7} {totals.total - last:>+14,.2f} since last month"
    out.append(total)
    return out


#: At most this many alerts are printed; the rest are on the workbook's Alerts sheet, in
#: report.html and in run.json (a month of thousands of cost centers can have hundreds).
TERMINAL_ALERTS = 20


def alerts_text(alerts: MonthAlerts | None) -> list[str]:
    """The month's alerts, worst first (over budget, projected over, near budget, above the
    usual level), one line each, the first ``TERMINAL_ALERTS``; nothing when there are none."""
    if alerts is None or not alerts.alerts:
        return []
    shown = alerts.alerts[:TERMINAL_ALERTS]
    more = len(alerts.alerts) - len(shown)
    tail = [f"  ... and {more:,} more: see the workbook's Alerts sheet or run.json"] if more else []
    return (
        [f"Alerts ({len(alerts.alerts):,}):"]
        + [f"  ! {terminal_text(a.message, 200)}" for a in shown]
        + tail
    )


def trend_text(months: Sequence[PublishedMonth], out: str) -> list[str]:
    """``chargeback trend``: per currency, a row per cost center (largest in the latest
    month first, UNATTRIBUTED and TOTAL last) and a column per published month, then the
    latest month's change from the month before (the CLI escapes each line)."""
    if not months:
        return [f"no published months in {out}: run `chargeback run ... --out {out}` first"]
    names = [m.period + (" P" if m.status == "provisional" else "") for m in months]
    lines = [
        f"Bedrock chargeback by month in {out}: {names[0].split()[0]} to {months[-1].period}"
        + (" (P: provisional)" if any(m.status == "provisional" for m in months) else "")
    ]
    currencies = sorted({c for m in months for (_, c) in m.amounts})
    for currency in currencies:
        latest = months[-1].amounts
        centers = sorted(
            {cc for m in months for (cc, c) in m.amounts if c == currency and cc != UNATTRIBUTED},
            key=lambda cc: (-latest.get((cc, currency), Decimal(0)), cc),
        )
        rows = [*centers, UNATTRIBUTED]
        table = [[currency, *names, "change"]]
        for cc in rows:
            values = [m.amounts.get((cc, currency)) for m in months]
            table.append([cc, *(_money(v) for v in values), _change(values)])
        sums = [
            sum((a for (_, c), a in m.amounts.items() if c == currency), Decimal(0)) for m in months
        ]
        table.append(["TOTAL", *(_money(v) for v in sums), _change(list(sums))])
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for r in table:
            cells = [r[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
            ]
            lines.append("  " + "  ".join(cells).rstrip())
    return lines


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _change(values: list[Decimal | None]) -> str:
    """The last month's change from the one before (both counted as 0 when not charged)."""
    if len(values) < 2:
        return ""
    last, before = values[-1] or Decimal(0), values[-2] or Decimal(0)
    pct = f" ({(last - before) * 100 / abs(before):+.1f}%)" if before else ""
    return f"{last - before:+,.2f}{pct}"


def placeholder_note(settings: dict[str, str]) -> str:
    """The stderr note after a run whose statements use the templates' example values."""
    values = ", ".join(f'{name} = "{value}"' for name, value in settings.items())
    return (
        f"note: the statements use the report templates' example values: {values}; set "
        "company, and expense_account and clearing_account under [journal], in chargeback.toml"
    )


def threads_note(threads: int, asked: int, limit: str) -> str:
    """The stderr note after a run whose DuckDB threads the memory limit capped."""
    need = asked * MEMORY_PER_THREAD // 10**6
    return (
        f"note: DuckDB ran {threads} thread{'s' if threads > 1 else ''}, not {asked}: a memory "
        f"limit of {limit} carries one per {MEMORY_PER_THREAD // 10**6}MB; set --memory-limit "
        f"{need}MB for {asked}"
    )


def periods_text(rows: list[PeriodRow]) -> list[str]:
    """``chargeback periods`` output: one line per period and currency."""
    out = [
        f"{'period':<8}  {'rows':>10}  {'bedrock rows':>12}  {'bedrock net':>14}  "
        f"{'bedrock unblended':>17}  currency"
    ]
    for r in rows:
        out.append(
            f"{r.period:<8}  {r.rows:>10,}  {r.bedrock_rows:>12,}  {r.bedrock_net:>14,.2f}  "
            f"{r.bedrock_unblended:>17,.2f}  {terminal_text(r.currency, 8)}"
        )
    return out


def coverage_text(report: CoverageReport, period: str) -> list[str]:
    """``chargeback coverage`` output: spend per rule, per policy and per unattributed reason."""
    labels = {"attributed": "attributed by", "split": "split by", "unattributed": "unattributed:"}
    out = [f"Bedrock coverage {period} (nothing written)"]
    for totals in report.allocation.totals:
        out.append(f"  {totals.currency}: export Bedrock total {totals.total:,.2f}")
        for r in (r for r in report.rows if r.currency == totals.currency):
            label = f"{labels[r.outcome]} {r.source}"
            out.append(
                f"    {label:<40} {r.amount:>14,.2f}  {r.share_pct:>7.2f}%  "
                f"{r.line_items:>8,} line items"
            )
        out.append(f"    {'UNATTRIBUTED after policies':<40} {totals.unattributed:>14,.2f}")
        out.append("    unattributed spend found, by kind of line, and its policy:")
        for currency, kind, amount, method in report.kinds:
            if currency == totals.currency:
                out.append(f"      {kind:<38} {amount:>14,.2f}  {method}")
    logs = report.allocation.invocation_logs
    if logs is not None:
        out.extend(invocation_logs_text(logs))
    if report.invalid:
        out.append("Cost centers to fix (not in the master list, or inactive):")
        for item in report.invalid:
            out.append(
                f"    {terminal_text(item['value']):<40} {Decimal(item['amount']):>14,.2f} "
                f"{item['currency']}  {item['reason']}"
            )
    return out


def invocation_logs_text(logs: LogSummary) -> list[str]:
    """The invocation logs' coverage: per model and kind of token, the tokens the export
    bills (where logging is on, and where it is off), the tokens the logs count, and the
    spend they attributed, left untagged, or could not match; then the gaps."""
    out = [
        f"  invocation logs: {logs.objects:,} object(s) under {terminal_text(logs.location)}, "
        f"matched by {logs.grain}; cost center from requestMetadata "
        f"{', '.join(terminal_text(k) for k in logs.cost_center_keys)}",
        f"    {'model':<24} {'kind':<11} {'export tokens':>15} {'log tokens':>15} "
        f"{'logs/export':>11} {'attributed':>11} {'log_untagged':>12} {'no_log_match':>12}  "
        f"{'no logging':>13}",
    ]
    for r in logs.rows:
        share = r.log_share_pct
        export = "-" if r.export_tokens is None else f"{r.export_tokens:,.0f}"
        unlogged = "-" if r.unlogged_tokens is None else f"{r.unlogged_tokens:,.0f}"
        out.append(
            f"    {terminal_text(r.model)[:24]:<24} {r.token_kind:<11} {export:>15} "
            f"{r.log_tokens:>15,} {'-' if share is None else f'{share}%':>11} "
            f"{round_money(r.explained):>11,.2f} {round_money(r.untagged):>12,.2f} "
            f"{round_money(r.unmatched):>12,.2f}  {unlogged:>13}"
        )
    for warning in logs.warnings:
        out.append(f"    gap: {terminal_line(warning.removeprefix('invocation logs: '))}")
    return out


def config_text(settings: FileSettings) -> list[str]:
    """``chargeback config check`` output: what the file sets, and the defaults it leaves."""
    rules = settings.rules
    run = settings.run
    measure = run.get("cost_measure", CostMeasure.NET_UNBLENDED)
    out = [
        f"config: {settings.path or '(none: defaults)'}",
        f"cost_center_tag = {run.get('cost_center_tag', 'CostCenter')}",
        f"cost_measure = {CostMeasure(measure).value}",
        f"out = {run.get('out', 'out')}",
        f"strict = {str(run.get('strict', False)).lower()}",
        f"company = {run.get('company', '(the workbook template)')}",
        f"journal accounts = expense {run.get('expense_account', '(the journal template)')}, "
        f"clearing {run.get('clearing_account', '(the journal template)')}",
        f"attribution order: {', '.join(r.value for r in rules.order)}",
    ]
    for name, path in sorted(rules.files.items()):
        out.append(f"table {name}: {path}")
    out.append(
        f"mapping rows: {len(rules.resource_map)} resource, {len(rules.principal_map)} "
        f"principal, {len(rules.account_map)} account"
    )
    active = sum(1 for c in rules.master if c.active)
    budgeted = sum(1 for c in rules.master if c.budget is not None)
    out.append(
        f"master list: {len(rules.master)} cost centers ({active} active, {budgeted} with a "
        f"budget), {len(rules.aliases)} aliases"
    )
    a = settings.alerts
    out.append(
        f"alerts: month_ratio {a.month_ratio}, min_months {a.min_months}, min_amount "
        f"{a.min_amount}, budget_warn_pct {a.budget_warn_pct}, day_ratio {a.day_ratio}, "
        f"min_day_amount {a.min_day_amount}; alert_topic "
        f"{run.get('alert_topic', '(none)')}"
    )
    for kind in PolicyKind:
        policy = rules.policy(kind)
        shares = ", ".join(f"{cc} {pct}%" for cc, pct in policy.shares)
        out.append(
            f"policy {kind.value}: {policy.method.value}{' (' + shares + ')' if shares else ''}"
        )
    logs = run.get("invocation_logs")
    if logs:
        keys = ", ".join(logs.get("cost_center_keys", ("costCenter",)))
        roles = ", ".join(f"{r} {k}" for r, k in sorted(logs.get("statement_keys", {}).items()))
        out.append(
            f"invocation logs: {logs.get('location', '(give --invocation-logs)')}; cost center "
            f"from requestMetadata {keys}; {roles}"
        )
    return out


def history_text(rows: list[HistoryRow], period: str, out: str) -> list[str]:
    """``chargeback history``: one line per event, oldest first (the CLI escapes each line)."""
    if not rows:
        return [f"no history for {period} in {out}: no run was published there"]
    lines = [f"{period} history in {out}: {len(rows)} event(s)"]
    head = ("#", "event", "run id", "when", "source version", "totals", "status")
    table = [head] + [
        (
            str(r.seq),
            r.event,
            r.run_id,
            r.at,
            r.source_version,
            ", ".join(f"{c} {t}" for c, t in r.totals.items()),
            r.status + (f" ({r.note})" if r.note else ""),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
        lines.append("  " + "  ".join([*cells, row[-1]]).rstrip())
    return lines


def adjustment_text(period: str, info: AdjustmentInfo) -> list[str]:
    """What ``run`` prints for a closed month: the adjustment per cost center, or none."""
    if info.adjustment_id is None:
        return [f"{period} is closed (run {info.closed_run}): no change, no adjustment"]
    lines = [
        f"{period} is closed (run {info.closed_run}): adjustment {info.adjustment_id}, "
        f"{info.line_changes} statement line change(s), booked in {info.post_period}"
    ]
    changed = [c for c in info.centers if c.adjustment != 0]
    width = max([len(c.cost_center) for c in changed] + [len("cost center")])
    lines.append(
        f"  {'cost center':<{width}}  {'closed':>14}  {'restated':>14}  {'adjustment':>14}"
    )
    for c in changed:
        lines.append(
            f"  {c.cost_center:<{width}}  {c.closed:>14,.2f}  {c.restated:>14,.2f}  "
            f"{c.adjustment:>+14,.2f} {c.currency}"
        )
    lines.append(f"Adjustment: {info.location}")
    return lines
