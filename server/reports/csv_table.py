"""The monthly report as CSV: one row per figure (dotted name, value), then one row per miss.

Figures carry the same names and values as the JSON (null is an empty cell), so a spreadsheet and
the API never disagree; the miss columns are filled only on `miss.*` rows, and the last column, `label`,
says what each row is in the reader's language (the page's words, server.reports.words).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from server.reports.words import WORDS, miss_title, say

# The columns people read (short number, names) come after the original ones, so existing imports keep working.
COLUMNS = ("metric", "value", "work_order_id", "site_id", "elapsed_s", "target_s", "detail", "order_no", "site_name", "assignee_name",
           "label")
MISS_FIELDS = {"work_order_id", "site_id", "elapsed_s", "target_s", "order_no", "site_name", "assignee_id", "assignee_name",
               "title_code", "title_args"}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}; leaves keep their JSON values."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        flat.update(flatten(inner, f"{prefix}.{key}" if prefix else key))
    return flat


# the words a spreadsheet needs beyond the page's own
CSV_WORDS = {
    "zh-CN": {"month": "月份", "site_id": "项目编号", "site_name": "项目", "count": "工单数：{what}", "met": "{step}：按时数",
              "due": "{step}：应计数", "reworks": "返修工单数", "jobs": "维修与紧急工单数", "called": "已回访成功数", "owed": "应回访数",
              "by_level": "投诉数：{level}", "resolved_in_time_by_level": "{level}投诉按时解决率", "ack_s": "{what}（秒）", "acked": "已确认报警数",
              "unacked": "未确认报警数", "window.start": "统计开始（UTC）", "window.end": "统计结束（UTC，不含）", "window.time_zone": "公司时区",
              "generated_at": "生成时间（UTC）", "miss": "{figure}：{no} {title}"},
    "en": {"month": "Month", "site_id": "Site id", "site_name": "Site", "count": "Orders: {what}", "met": "{step}: on time",
           "due": "{step}: decided", "reworks": "Rework orders", "jobs": "Repair and emergency orders", "called": "Called back (reached)",
           "owed": "Call-backs owed", "by_level": "Complaints: {level}", "resolved_in_time_by_level": "{level} complaints resolved in time",
           "ack_s": "{what} (seconds)", "acked": "Alarms acknowledged", "unacked": "Alarms not acknowledged",
           "window.start": "From (UTC)", "window.end": "Until (UTC, exclusive)", "window.time_zone": "Company time zone",
           "generated_at": "Generated (UTC)", "miss": "{figure}: {no} {title}"},
}


def metric_label(metric: str, lang: str) -> str:
    """'on_time.arrive' -> '及时率：到场'; a figure added later without words keeps its name."""
    w, c, parts = WORDS[lang], CSV_WORDS[lang], metric.split(".")
    try:
        if metric in c:
            return c[metric]
        head = parts[0]
        if head == "counts":
            if parts[1] in ("total", "cancelled"):
                return w["orders_total" if parts[1] == "total" else "cancelled"]
            return c["count"].format(what=w[f"{'category' if parts[1] == 'by_category' else 'priority'}.{parts[2]}"])
        if head == "on_time":
            return say(lang, "on_time_step", step=w[f"step.{parts[1]}"])
        if head == "on_time_counts":
            return c[parts[2]].format(step=w[f"step.{parts[1]}"])
        if head in ("rework_rate", "call_back_rate"):
            return w[head]
        if head in ("rework_counts", "call_back_counts"):
            return c[parts[1]]
        if head == "complaints":
            if parts[1] == "resolved_in_time":
                return w["complaints_in_time"]
            return c[parts[1]].format(level=w[f"level.{parts[2]}"])
        if head == "alarm_ack_s":
            return c["ack_s"].format(what=w[f"ack_{parts[1]}"]) if parts[1] in ("p50", "p90") else c[parts[1]]
    except (KeyError, IndexError):
        pass
    return metric


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def report_csv(report: dict[str, Any], lang: str = "zh-CN") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    figures = {k: v for k, v in report.items() if k != "misses"}
    for metric, value in flatten(figures).items():
        writer.writerow([metric, _cell(value), "", "", "", "", "", "", "", "", metric_label(metric, lang)])
    for figure, misses in report.get("misses", {}).items():
        for miss in misses:
            detail = "; ".join(f"{k}={_cell(v)}" for k, v in miss.items() if k not in MISS_FIELDS)
            writer.writerow([f"miss.{figure}", "", miss["work_order_id"], miss["site_id"],
                             _cell(miss.get("elapsed_s")), _cell(miss.get("target_s")), detail,
                             miss["order_no"], miss["site_name"], _cell(miss.get("assignee_name")),
                             CSV_WORDS[lang]["miss"].format(figure=WORDS[lang].get(f"miss.{figure}", figure), no=miss["order_no"], title=miss_title(miss, lang))])
    return out.getvalue()
