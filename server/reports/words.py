"""What the printable monthly report says, in Simplified Chinese (default) and English, and how it
writes durations and times for people (the PWA's report screen follows the same rules).

- Language: `lang=zh-CN|en` wins; else the best of zh/en in Accept-Language by q-value; else Chinese.
- Durations: under a minute in seconds, under an hour in minutes, under a day in hours and minutes,
  then days and hours (rounded to the minute first, so 59 min 40 s reads "1 h"; halves round up, as
  JavaScript's Math.round does, so the PWA writes the same words).
- Times: the company's zone (FIELDOPS_COMPANY_TZ), `YYYY-MM-DD HH:MM`, the zone named once on the page.
"""

from __future__ import annotations

from math import floor
from zoneinfo import ZoneInfo

from server.clock import parse_rfc3339
from server.domain.system_texts import render_stored
from server.errors import Invalid

LANGUAGES = ("zh-CN", "en")

WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "月度服务报告 {month}", "heading": "月度服务报告：{month}，{scope}", "all_sites": "全部项目",
        "window": "统计范围：{start} 至 {end} 登记的工单；时间均为公司时区（{zone}，UTC{offset}）。生成于 {generated}。",
        "print": "打印", "figures": "主要指标", "charts": "图表", "misses": "未达标明细", "no_misses": "本月没有未达标的工单。",
        "na": "无数据", "orders_total": "登记工单", "cancelled": "已取消", "rework_rate": "返修率（目标 ≤ 1%）",
        "call_back_rate": "回访率（目标 100%）", "complaints_in_time": "投诉按时解决率", "ack_p50": "报警确认用时（中位数）",
        "ack_p90": "报警确认用时（90% 分位）", "on_time_step": "及时率：{step}", "of": "{hits}/{total}",
        "chart_on_time": "各环节及时率（目标 100%）", "chart_category": "按类别的工单数", "chart_priority": "按紧急程度的工单数",
        "chart_levels": "按等级的投诉数",
        "col_no": "单号", "col_title": "报修事项", "col_site": "项目", "col_assignee": "维修人员", "col_elapsed": "用时",
        "col_target": "目标", "col_detail": "说明", "nobody": "未派单",
        "step.record": "登记报修", "step.reply": "答复求助", "step.dispatch": "派单（通知维修）", "step.arrive": "到场", "step.feedback": "完工反馈", "step.resolve": "完成维修",
        "step.call_back": "回访",
        "miss.record": "登记超时", "miss.reply": "答复求助超时", "miss.dispatch": "派单超时", "miss.arrive": "到场超时", "miss.feedback": "完工反馈超时", "miss.resolve": "维修超时",
        "miss.call_back": "回访超时", "miss.rework": "返修工单", "miss.not_called_back": "尚未回访成功",
        "miss.complaints_late": "投诉未按时解决",
        "detail.rework_of": "返修原单 {value}", "detail.resolve_by": "应于 {value} 前解决", "detail.completed_at": "完工 {value}",
        "detail.not_completed": "尚未完工", "detail.fixed_at": "修好 {value}", "detail.complaint_level": "{value}投诉",
        "category.repair": "维修", "category.complaint": "投诉", "category.help": "求助", "category.emergency": "紧急",
        "priority.normal": "一般", "priority.urgent": "紧急", "priority.emergency": "特急",
        "level.minor": "轻微", "level.important": "重要", "level.major": "重大",
        "dur.s": "{s}秒", "dur.m": "{m}分钟", "dur.h": "{h}小时", "dur.hm": "{h}小时{m}分钟", "dur.d": "{d}天", "dur.dh": "{d}天{h}小时",
    },
    "en": {
        "title": "Monthly service report {month}", "heading": "Monthly service report: {month}, {scope}", "all_sites": "all sites",
        "window": "Orders recorded from {start} to {end}; all times in the company's time zone ({zone}, UTC{offset}). Generated {generated}.",
        "print": "Print", "figures": "Figures", "charts": "Charts", "misses": "Misses", "no_misses": "No misses this month.",
        "na": "n/a", "orders_total": "Orders recorded", "cancelled": "Cancelled", "rework_rate": "Rework rate (target ≤ 1%)",
        "call_back_rate": "Call-back rate (target 100%)", "complaints_in_time": "Complaints resolved in time",
        "ack_p50": "Alarm acknowledgement (median)", "ack_p90": "Alarm acknowledgement (90th percentile)",
        "on_time_step": "On time: {step}", "of": "{hits} of {total}",
        "chart_on_time": "On-time rate per step (target 100%)", "chart_category": "Orders by category",
        "chart_priority": "Orders by priority", "chart_levels": "Complaints by level",
        "col_no": "No.", "col_title": "Title", "col_site": "Site", "col_assignee": "Technician", "col_elapsed": "Took",
        "col_target": "Target", "col_detail": "Detail", "nobody": "not dispatched",
        "step.record": "Record the report", "step.reply": "Reply to a call for help",
        "step.dispatch": "Dispatch (notify team)", "step.arrive": "Arrive on site", "step.feedback": "Feed back",
        "step.resolve": "Resolve", "step.call_back": "Call back",
        "miss.record": "Late: Record the report", "miss.reply": "Late: Reply to a call for help",
        "miss.dispatch": "Late: Dispatch (notify team)", "miss.arrive": "Late: Arrive on site", "miss.feedback": "Late: Feed back",
        "miss.resolve": "Late: Resolve", "miss.call_back": "Late: Call back", "miss.rework": "Rework orders",
        "miss.not_called_back": "Not yet called back", "miss.complaints_late": "Complaints resolved late",
        "detail.rework_of": "redoes {value}", "detail.resolve_by": "due by {value}", "detail.completed_at": "completed {value}",
        "detail.not_completed": "not completed", "detail.fixed_at": "fixed {value}", "detail.complaint_level": "{value} complaint",
        "category.repair": "Repair", "category.complaint": "Complaint", "category.help": "Help", "category.emergency": "Emergency",
        "priority.normal": "Normal", "priority.urgent": "Urgent", "priority.emergency": "Emergency",
        "level.minor": "Minor", "level.important": "Important", "level.major": "Major",
        "dur.s": "{s} s", "dur.m": "{m} min", "dur.h": "{h} h", "dur.hm": "{h} h {m} min", "dur.d": "{d} d", "dur.dh": "{d} d {h} h",
    },
}


def choose_language(lang: str | None, accept_language: str | None) -> str:
    """The page's language: an explicit `lang` (zh-CN, zh or en; anything else is 422), else Accept-Language."""
    if lang:
        primary = lang.strip().lower().split("-")[0]
        if primary in ("zh", "en"):
            return "zh-CN" if primary == "zh" else "en"  # the one Chinese we write is Simplified
        raise Invalid(f"lang must be zh-CN or en, not {lang!r}", code="unsupported_language")
    best, best_q = "zh-CN", 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found = "zh-CN" if tag.lower().startswith("zh") else "en" if tag.lower().startswith("en") else None
        # the first listed wins among equal weights (the header's order is the user's order)
        if found and q > best_q and q > 0:
            best, best_q = found, q
    return best


def say(lang: str, key: str, **values: object) -> str:
    return WORDS[lang][key].format(**values)


def duration(seconds: float | None, lang: str) -> str:
    """Seconds as a person says them: 55 s, 35 min, 2 h 5 min, 3 d 4 h (or 55秒, 35分钟, ...)."""
    if seconds is None:
        return WORDS[lang]["na"]
    if seconds < 59.5:
        return say(lang, "dur.s", s=_half_up(seconds))
    minutes = _half_up(seconds / 60)
    if minutes < 60:
        return say(lang, "dur.m", m=minutes)
    if minutes < 24 * 60:
        h, m = divmod(minutes, 60)
        return say(lang, "dur.hm", h=h, m=m) if m else say(lang, "dur.h", h=h)
    d, h = minutes // (24 * 60), minutes % (24 * 60) // 60
    return say(lang, "dur.dh", d=d, h=h) if h else say(lang, "dur.d", d=d)


def _half_up(value: float) -> int:
    return floor(value + 0.5)


def local_time(moment: str | None, time_zone: str) -> str:
    """'2026-03-10T01:00:00Z' -> '2026-03-10 09:00' in Asia/Shanghai."""
    if not moment:
        return ""
    return parse_rfc3339(moment).astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M")


def utc_offset(moment: str, time_zone: str) -> str:
    """'+08:00' for Asia/Shanghai."""
    text = parse_rfc3339(moment).astimezone(ZoneInfo(time_zone)).strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def miss_title(miss: dict, lang: str) -> str:
    """A missed order's title in the page's language: a sensor-made order's from its system text, a person's as written."""
    return render_stored(miss.get("title_code"), miss.get("title_args"), miss["title"], lang)
