"""Charts as inline SVG text: horizontal bars and stacked columns, no script, no fonts or
files from anywhere. Every label is escaped here; values are numbers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

#: Colours of the series (colour-blind safe, Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
BAR, GAP, LABEL_W, PLOT_W = 22, 6, 260, 420


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def bars(
    title: str, rows: Sequence[tuple[str, Decimal]], unit: str, limit: Decimal | None = None
) -> str:
    """A horizontal bar per row, its value written after it; ``limit`` draws a line (100%
    of a budget)."""
    top = max([abs(v) for _, v in rows] + [limit or Decimal(0), Decimal("0.01")])
    height = 30 + len(rows) * (BAR + GAP) + 10
    width = LABEL_W + PLOT_W + 130
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 30 + i * (BAR + GAP)
        w = float(abs(value) / top) * PLOT_W
        colour = PALETTE[0] if value >= 0 else PALETTE[5]
        if limit is not None and value > limit:
            colour = PALETTE[5]
        parts += [
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(label[:40])}</text>',
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{colour}"/>',
            f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 15}">{_money(value)}{escape(unit)}</text>',
        ]
    if limit is not None:
        x = LABEL_W + float(limit / top) * PLOT_W
        parts.append(
            f'<line x1="{x:.1f}" y1="26" x2="{x:.1f}" y2="{height - 6}" stroke="#333" '
            'stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_columns(
    title: str, series: Sequence[str], rows: Sequence[tuple[str, Sequence[Decimal]]]
) -> str:
    """A column per row (a month), stacked by series (cost centers), with a legend."""
    totals = [sum((max(v, Decimal(0)) for v in values), Decimal(0)) for _, values in rows]
    top = max([*totals, Decimal("0.01")])
    col_w, plot_h, left = 70, 220, 10
    width = max(left + len(rows) * (col_w + 20) + 10, 520)
    legend_y = 40 + plot_h + 40
    height = legend_y + 18 * len(series) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    base = 40 + plot_h
    for i, (label, values) in enumerate(rows):
        x = left + i * (col_w + 20)
        y = float(base)
        for j, value in enumerate(values):
            h = float(max(value, Decimal(0)) / top) * plot_h
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{col_w}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            )
        parts += [
            f'<text x="{x + col_w / 2}" y="{y - 4:.1f}" text-anchor="middle">'
            f"{_money(totals[i])}</text>",
            f'<text x="{x + col_w / 2}" y="{base + 16}" text-anchor="middle">'
            f"{escape(label[:24])}</text>",
        ]
    for j, name in enumerate(series):
        y = legend_y + j * 18
        parts += [
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/>',
            f'<text x="{left + 18}" y="{y}">{escape(name[:60])}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
