"""Charts as inline SVG, drawn on the server (no JavaScript library, no CDN).

The content security policy forbids ``style`` attributes, so colours and sizes are SVG
presentation attributes (``fill=``, ``font-size=``). Every chart has a <title> and <desc> and
is shown next to a data table with the same numbers (the accessible alternative).
"""

from __future__ import annotations

from markupsafe import Markup, escape

COLOURS = ("#0b4f8a", "#b0191e", "#2e7d32")


def _text(x, y, content, anchor="start", size=12, fill="#1b1b1f") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">'
            f"{escape(content)}</text>")


def bar_chart(title: str, description: str, categories: list[str], series: list[tuple[str, list[int]]],
              chart_id: str) -> Markup:
    """Grouped vertical bars: one group per category (e.g. month), one bar per series."""
    width, height, left, bottom, top = 640, 260, 44, 40, 28
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max([1] + [v for _, values in series for v in values])
    group_w = plot_w / max(1, len(categories))
    bar_w = max(2.0, (group_w - 6) / max(1, len(series)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">',
             f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>']
    for step in range(5):
        value = round(peak * step / 4)
        y = top + plot_h - plot_h * value / peak
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d6" stroke-width="1"/>')
        parts.append(_text(left - 4, y + 4, f"{value:,}".replace(",", "."), "end", 11))
    for i, category in enumerate(categories):
        x0 = left + i * group_w + 3
        for j, (name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / peak
            parts.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(category)}: '
                         f'{escape(name)} {value}</title></rect>')
        parts.append(_text(x0 + group_w / 2 - 3, height - bottom + 16, category, "middle", 11))
    for j, (name, _) in enumerate(series):
        x = left + j * 170
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[j % len(COLOURS)]}"/>')
        parts.append(_text(x + 16, 16, name, "start", 12))
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_bars(title: str, description: str, rows: list[tuple[str, list[float | None]]], series: list[str],
              chart_id: str) -> Markup:
    """Horizontal bars of percentages (0-100) per row (e.g. per agency), one bar per series."""
    label_w, width, row_h, top = 220, 640, 14 * max(1, len(series)) + 10, 28
    height = top + row_h * max(1, len(rows)) + 10
    plot_w = width - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">',
             f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>']
    for j, name in enumerate(series):
        x = label_w + j * 200
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[j % len(COLOURS)]}"/>')
        parts.append(_text(x + 16, 16, name))
    for i, (label, values) in enumerate(rows):
        y0 = top + i * row_h
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(_text(label_w - 6, y0 + row_h / 2 + 3, short, "end", 11))
        for j, value in enumerate(values):
            y = y0 + j * 14
            w = plot_w * (value or 0) / 100
            parts.append(f'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="12" '
                         f'fill="{COLOURS[j % len(COLOURS)]}"/>')
            shown = "—" if value is None else f"{value:g}%".replace(".", ",")
            parts.append(_text(label_w + w + 4, y + 10, shown, "start", 11))
    parts.append("</svg>")
    return Markup("".join(parts))
