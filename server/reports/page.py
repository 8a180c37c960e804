"""The monthly report as one printable HTML page: figures, SVG charts and the misses behind them.

Server-rendered and self-contained (inline CSS and SVG), so it prints the same from any browser; in the
reader's language (server.reports.words), with short order numbers, names instead of ids, durations in
minutes/hours/days and times in the company's zone.
"""

from __future__ import annotations

from html import escape
from typing import Any

from server.reports.charts import bar_chart, count, percent
from server.reports.words import WORDS, duration, local_time, miss_title, say, utc_offset

STYLE = """
body{font-family:system-ui,"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;color:#111;max-width:60rem}
h1{font-size:1.4rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem} td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
table.misses{width:100%;table-layout:fixed} table.misses th:nth-child(1){width:5.5rem} table.misses th:nth-child(7){width:30%}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem} .muted{color:#555;font-size:.85rem} svg.chart{max-width:100%;height:auto}
@media print{body{margin:0} .noprint{display:none} h2{break-after:avoid} table,svg{break-inside:avoid}}
"""


def _rate(value: float | None, lang: str) -> str:
    return WORDS[lang]["na"] if value is None else percent(value)


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs)


def _detail(miss: dict[str, Any], lang: str, zone: str) -> str:
    words = []
    if miss.get("rework_of_no"):
        words.append(say(lang, "detail.rework_of", value=miss["rework_of_no"]))
    if miss.get("complaint_level"):
        words.append(say(lang, "detail.complaint_level", value=WORDS[lang][f"level.{miss['complaint_level']}"]))
    if miss.get("resolve_by"):
        words.append(say(lang, "detail.resolve_by", value=local_time(miss["resolve_by"], zone)))
    if "completed_at" in miss:
        words.append(say(lang, "detail.completed_at", value=local_time(miss["completed_at"], zone)) if miss["completed_at"]
                     else WORDS[lang]["detail.not_completed"])
    if miss.get("fixed_at"):
        words.append(say(lang, "detail.fixed_at", value=local_time(miss["fixed_at"], zone)))
    return ("; " if lang == "en" else "；").join(words)


def _misses(report: dict[str, Any], lang: str) -> str:
    w, zone = WORDS[lang], report["window"]["time_zone"]
    head = "".join(f"<th>{escape(w[c])}</th>" for c in ("col_no", "col_title", "col_site", "col_assignee", "col_elapsed", "col_target", "col_detail"))
    parts = []
    for figure, misses in report["misses"].items():
        if not misses:
            continue
        body = "".join(
            f'<tr data-work-order-id="{escape(m["work_order_id"])}"><td>{escape(m["order_no"])}</td><td>{escape(miss_title(m, lang))}</td>'
            f"<td>{escape(m['site_name'])}</td><td>{escape(m.get('assignee_name') or w['nobody'])}</td>"
            f"<td>{duration(m['elapsed_s'], lang) if 'elapsed_s' in m else ''}</td><td>{duration(m['target_s'], lang) if 'target_s' in m else ''}</td>"
            f"<td>{escape(_detail(m, lang, zone))}</td></tr>"
            for m in misses)
        title = w.get(f"miss.{figure}", figure)
        parts.append(f'<h3 id="miss-{escape(figure)}">{escape(title)} ({len(misses)})</h3><table class="misses"><tr>{head}</tr>{body}</table>')
    return "".join(parts) or f"<p>{escape(w['no_misses'])}</p>"


def _charts(report: dict[str, Any], lang: str) -> list[str]:
    w, counts, levels = WORDS[lang], report["counts"], report["complaints"]["by_level"]
    scaled = lambda values: max([1, *values])  # noqa: E731  (an empty month still draws its axes)
    return [
        bar_chart(w["chart_on_time"], [(w[f"step.{s}"], v) for s, v in report["on_time"].items()], 1.0, percent, target=1.0, missing=w["na"]),
        bar_chart(w["chart_category"], [(w[f"category.{c}"], float(n)) for c, n in counts["by_category"].items()],
                  scaled(counts["by_category"].values()), count, missing=w["na"]),
        bar_chart(w["chart_priority"], [(w[f"priority.{p}"], float(n)) for p, n in counts["by_priority"].items()],
                  scaled(counts["by_priority"].values()), count, missing=w["na"]),
        bar_chart(w["chart_levels"], [(w[f"level.{lvl}"], float(n)) for lvl, n in levels.items()], scaled(levels.values()), count, missing=w["na"]),
    ]


def report_page(report: dict[str, Any], lang: str = "zh-CN") -> str:
    w, counts, window = WORDS[lang], report["counts"], report["window"]
    zone = window["time_zone"]
    scope = report.get("site_name") or report["site_id"] or w["all_sites"]
    decided = report["on_time_counts"]
    figures = _rows([
        (w["orders_total"], str(counts["total"])), (w["cancelled"], str(counts["cancelled"])),
        (w["rework_rate"], _rate(report["rework_rate"], lang)),
        (w["call_back_rate"], _rate(report["call_back_rate"], lang)),
        (w["complaints_in_time"], _rate(report["complaints"]["resolved_in_time"], lang)),
        (w["ack_p50"], duration(report["alarm_ack_s"]["p50"], lang)),
        (w["ack_p90"], duration(report["alarm_ack_s"]["p90"], lang)),
        *[(say(lang, "on_time_step", step=w[f"step.{s}"]),
           _rate(report["on_time"][s], lang) + (f" ({say(lang, 'of', hits=decided[s]['met'], total=decided[s]['due'])})" if decided[s]["due"] else ""))
          for s in report["on_time"]],
    ])
    intro = say(lang, "window", start=local_time(window["start"], zone), end=local_time(window["end"], zone), zone=zone,
                offset=utc_offset(window["start"], zone), generated=local_time(report["generated_at"], zone))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{escape(say(lang, 'title', month=report['month']))}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(say(lang, 'heading', month=report['month'], scope=scope))}</h1>"
        f'<p class="muted">{escape(intro)}</p>'
        f'<p class="noprint"><button onclick="window.print()">{escape(w["print"])}</button></p>'
        f"<h2>{escape(w['figures'])}</h2><table>{figures}</table>"
        f"<h2>{escape(w['charts'])}</h2><div class=\"charts\">{''.join(_charts(report, lang))}</div>"
        f"<h2>{escape(w['misses'])}</h2>{_misses(report, lang)}</main></body></html>"
    )
