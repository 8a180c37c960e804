"""The monthly report as one printable HTML page: figures, SVG charts and the misses behind them.

Server-rendered and self-contained (inline CSS and SVG), so it prints the same from any browser.
"""

from __future__ import annotations

from html import escape
from typing import Any

from server.reports.charts import bar_chart, count, percent

STEP_NAMES = {"dispatch": "Dispatch (notify team)", "arrive": "Arrive on site", "feedback": "Feed back",
              "resolve": "Resolve", "call_back": "Call back"}
STEP_NAMES.update({"record": "Record the report", "reply": "Reply to a call for help"})  # issue 12's steps
MISS_NAMES = {**{step: f"Late: {name}" for step, name in STEP_NAMES.items()}, "rework": "Rework orders",
              "not_called_back": "Not yet called back", "complaints_late": "Complaints resolved late"}

STYLE = """
body{font-family:system-ui,"Noto Sans SC",sans-serif;margin:2rem;color:#111;max-width:60rem}
h1{font-size:1.4rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem} td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem} .muted{color:#666;font-size:.85rem}
@media print{body{margin:0} .noprint{display:none} h2{break-after:avoid} table,svg{break-inside:avoid}}
"""


def _rate(value: float | None) -> str:
    return "n/a" if value is None else percent(value)


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} s"


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs)


def _misses(report: dict[str, Any]) -> str:
    parts = []
    for figure, misses in report["misses"].items():
        if not misses:
            continue
        head = "<tr><th>Order</th><th>Title</th><th>Site</th><th>Elapsed</th><th>Target</th><th>Detail</th></tr>"
        body = "".join(
            f"<tr><td>{escape(m['work_order_id'])}</td><td>{escape(m['title'])}</td><td>{escape(m['site_id'])}</td>"
            f"<td>{_seconds(m.get('elapsed_s')) if 'elapsed_s' in m else ''}</td><td>{_seconds(m.get('target_s')) if 'target_s' in m else ''}</td>"
            f"<td>{escape('; '.join(f'{k}: {v}' for k, v in m.items() if k not in ('work_order_id', 'title', 'site_id', 'elapsed_s', 'target_s')))}</td></tr>"
            for m in misses)
        parts.append(f"<h3>{escape(MISS_NAMES.get(figure, figure))} ({len(misses)})</h3><table>{head}{body}</table>")
    return "".join(parts) or "<p>No misses this month.</p>"


def report_page(report: dict[str, Any]) -> str:
    scope = f"site {report['site_id']}" if report["site_id"] else "all sites"
    counts = report["counts"]
    charts = [
        bar_chart("On-time rate per step (target 100%)", [(STEP_NAMES[s], v) for s, v in report["on_time"].items()], 1.0, percent, target=1.0),
        bar_chart("Orders by category", [(c, float(n)) for c, n in counts["by_category"].items()], max([1, *counts["by_category"].values()]), count),
        bar_chart("Orders by priority", [(p, float(n)) for p, n in counts["by_priority"].items()], max([1, *counts["by_priority"].values()]), count),
        bar_chart("Complaints by level", [(lvl, float(n)) for lvl, n in report["complaints"]["by_level"].items()], max([1, *report["complaints"]["by_level"].values()]), count),
    ]
    figures = _rows([
        ("Orders recorded", str(counts["total"])), ("Cancelled", str(counts["cancelled"])),
        ("Rework rate (target ≤ 1%)", _rate(report["rework_rate"])),
        ("Call-back rate (target 100%)", _rate(report["call_back_rate"])),
        ("Complaints resolved in time", _rate(report["complaints"]["resolved_in_time"])),
        ("Alarm acknowledgement p50", _seconds(report["alarm_ack_s"]["p50"])),
        ("Alarm acknowledgement p90", _seconds(report["alarm_ack_s"]["p90"])),
        *[(f"On time: {STEP_NAMES[s]}", _rate(v)) for s, v in report["on_time"].items()],
    ])
    window = report["window"]
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>FieldOps monthly report {escape(report['month'])}</title><style>{STYLE}</style></head><body>"
        f"<h1>Monthly service report — {escape(report['month'])}, {escape(scope)}</h1>"
        f"<p class=\"muted\">Orders recorded from {escape(window['start'])} to {escape(window['end'])} ({escape(window['time_zone'])}); "
        f"generated {escape(report['generated_at'])}.</p>"
        f'<p class="noprint"><button onclick="window.print()">Print</button></p>'
        f"<h2>Figures</h2><table>{figures}</table><h2>Charts</h2><div class=\"charts\">{''.join(charts)}</div>"
        f"<h2>Misses</h2>{_misses(report)}</body></html>"
    )
