"""Inline SVG charts for the printable report page: horizontal bars, no JavaScript, no library.

They print as vectors and work offline; a missing figure (null) is drawn as `missing` ("n/a", 无数据), not as zero.
"""

from __future__ import annotations

from html import escape
from typing import Callable

ROW_H = 26
LABEL_W = 150
BAR_W = 300
VALUE_W = 90


def bar_chart(title: str, items: list[tuple[str, float | None]], scale: float, shown: Callable[[float], str],
              target: float | None = None, missing: str = "n/a") -> str:
    """Bars of `value / scale`; `target` draws a dashed line (e.g. 100% on-time)."""
    height = ROW_H * len(items) + 34
    width = LABEL_W + BAR_W + VALUE_W
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for row, (label, value) in enumerate(items):
        y = 28 + row * ROW_H
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{BAR_W}" height="16" fill="#eee"/>')
        if value is None:
            parts.append(f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 15}" font-size="12" fill="#666">{escape(missing)}</text>')
            continue
        length = 0 if scale <= 0 else max(0.0, min(1.0, value / scale)) * BAR_W
        parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{length:.1f}" height="16" fill="#2b6cb0"/>')
        parts.append(f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 15}" font-size="12">{escape(shown(value))}</text>')
    if target is not None and scale > 0:
        x = LABEL_W + min(1.0, target / scale) * BAR_W
        parts.append(f'<line x1="{x:.1f}" y1="24" x2="{x:.1f}" y2="{height - 4}" stroke="#c53030" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def count(value: float) -> str:
    return str(int(value))
