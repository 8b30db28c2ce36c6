"""``report.html``: the month on one self-contained page for owners who do not open Excel.

The same figures as the workbook: totals per currency, each cost center's charge, budget
and alerts, and the pictures (spend by cost center, by model, by month, budget used) as
inline SVG (``html.svg``). No script, no stylesheet or font from the network: the page
opens offline. Every string from the export or the settings is HTML-escaped.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

from chargeback.allocate.allocation import Allocation
from chargeback.report.alerts import MonthAlerts
from chargeback.report.figures import center_bars, model_spend, trend_table
from chargeback.report.header import RunHeader
from chargeback.report.html.svg import bars, stacked_columns
from chargeback.report.templates import WorkbookTemplate

STYLE = """
body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}
th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;border-top:2px solid #333}
.status{background:#fff3cd;padding:6px 10px;display:inline-block}
.alert{color:#a00}.note{color:#555}
.charts{display:flex;flex-wrap:wrap;gap:24px}
"""


def _m(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def render_report(
    allocation: Allocation, header: RunHeader, template: WorkbookTemplate, alerts: MonthAlerts
) -> str:
    w = template.word
    title = template.title("summary", period=header.period, cost_center="")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    if header.status != "final":
        out.append(f'<p class="status">PROVISIONAL: {_e("; ".join(header.status_reasons))}</p>')
    out.append(
        f'<p class="note">{_e(w("source_export"))}: {_e(header.source)} · '
        f"{_e(w('generated_at'))}: {_e(header.generated_at)} · "
        f"{_e(w('run_reference'))}: {_e(header.run_id)}</p>"
    )
    out.append(f"<h2>{_e(w('alerts_sheet'))}</h2>")
    if alerts.alerts:
        out.append("<ul>")
        out += [f'<li class="alert">{_e(a.message)}</li>' for a in alerts.alerts]
        out.append("</ul>")
    else:
        out.append(f"<p>{_e(w('no_alerts'))}</p>")
    out.append(f'<p class="note">{_e(w("anomaly_check"))}: {_e(alerts.anomalies.note)}</p>')

    budgets = {(b.cost_center, b.currency): b for b in alerts.budgets}
    label = template.label
    for totals in allocation.totals:
        cur = totals.currency
        out.append(f"<h2>{_e(label('net'))} ({_e(cur)})</h2><table><tr>")
        heads = ["cost_center", "net", "share_pct"]
        projects = any(b.projected is not None for b in alerts.budgets)
        if budgets:
            heads += ["budget", "remaining", "used_pct", *(["projected"] if projects else [])]
        out += [
            f'<th class="{"" if h == "cost_center" else "n"}">{_e(label(h))}</th>' for h in heads
        ]
        out.append("</tr>")
        for cc in totals.cost_centers:
            b = budgets.get((cc.cost_center, cur))
            cells = [_e(cc.cost_center), _m(cc.amount), f"{cc.share_pct:.2f}"]
            if budgets:
                cells += (
                    [""] * (len(heads) - 3)
                    if b is None
                    else [
                        _m(b.budget),
                        _m(b.remaining),
                        "" if b.used_pct is None else f"{b.used_pct:.2f}",
                        *([_m(b.projected)] if projects else []),
                    ]
                )
            out.append(
                "<tr>"
                + "".join(
                    f'<td class="{"" if i == 0 else "n"}">{c}</td>' for i, c in enumerate(cells)
                )
                + "</tr>"
            )
        out.append(
            f'<tr class="total"><td>{_e(w("total"))} {_e(cur)}</td>'
            f'<td class="n">{_m(totals.total)}</td>'
            + '<td class="n"></td>' * (len(heads) - 2)
            + "</tr></table>"
        )
    out.append('<div class="charts">')
    out += _charts(allocation, header, template, alerts)
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"


def _charts(
    allocation: Allocation, header: RunHeader, template: WorkbookTemplate, alerts: MonthAlerts
) -> list[str]:
    w = template.word
    found = []
    for totals in allocation.totals:
        cur = totals.currency
        centers = center_bars(allocation, cur)
        if centers:
            found.append(bars(f"{w('chart_by_cost_center')} ({cur})", centers, f" {cur}"))
        models = model_spend(allocation, cur)
        if models:
            found.append(bars(f"{w('chart_by_model')} ({cur})", models, f" {cur}"))
        if alerts.history:
            names, months = trend_table(
                alerts, allocation, cur, f"{header.period} ({w('this_month')})"
            )
            found.append(stacked_columns(f"{w('chart_trend')} ({cur})", names, months))
    used = [(b.cost_center, b.used_pct) for b in alerts.budgets if b.used_pct is not None]
    if used:
        found.append(
            bars(w("chart_budget"), [(n, p) for n, p in used if p is not None], "%", Decimal(100))
        )
    return [f"<figure>{svg}</figure>" for svg in found]


def write_report(
    path: Path,
    allocation: Allocation,
    header: RunHeader,
    template: WorkbookTemplate,
    alerts: MonthAlerts,
) -> None:
    path.write_text(render_report(allocation, header, template, alerts), encoding="utf-8")
