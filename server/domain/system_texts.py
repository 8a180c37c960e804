"""Text the system writes for people — a sensor ticket's title and description, system notes on orders, a dead
letter's reason — kept as a code and its arguments beside an English fallback, so each reader gets their language.

The PWA renders the codes from its `systext` catalog (pwa/i18n/systext.*.json, the same templates); server pages
(receipt, monthly report) and pushes use `render`. Wire rule: a code and its argument names never change meaning;
a new wording is a new code. Arguments name places by site name and zone, never by an id or a UUID.
"""

from __future__ import annotations

import json
from typing import Any, Mapping
from zoneinfo import ZoneInfo

import msgspec

from server.clock import parse_rfc3339

__all__ = ["SystemText", "render", "render_stored", "decode_args", "LANGUAGES"]

LANGUAGES = ("zh-CN", "en")

# What a sensor ticket's title calls each alarm kind (the title a person reads on the board and the receipt).
KIND_TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {"water_leak": "漏水报警", "smoke": "烟感报警", "fire": "火警", "gas": "燃气泄漏", "carbon_monoxide": "一氧化碳报警",
              "tamper": "设备被拆", "low_battery": "设备电量低", "panel_trouble": "消防主机故障", "offline": "设备离线",
              "silent": "设备无响应"},
    "en": {"water_leak": "Water leak", "smoke": "Smoke alarm", "fire": "Fire alarm", "gas": "Gas leak", "carbon_monoxide": "Carbon monoxide",
           "tamper": "Sensor tampered", "low_battery": "Sensor battery low", "panel_trouble": "Fire panel trouble",
           "offline": "Sensor offline", "silent": "Sensor silent"},
}

TEMPLATES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "alarm_ticket": "{kind} — {place}",
        "alarm_raised": "{site} {place} 的传感器报警（{kind}），时间 {at}。",
        "alarm_joined": "{place} 的{kind}并入本事件（{at}）",
        "alarm_acknowledged": "{actor} 已确认报警：{kind}，{place}",
        "alarm_resolved": "{actor} 已处理报警（{kind}，{place}）：{note}",
        "payload_too_large": "消息过大：{bytes} 字节，上限 {limit}",
        "payload_not_utf8": "消息不是 UTF-8 文本（{detail}）",
        "payload_not_json": "消息不是可读的 JSON（{detail}）",
        "payload_invalid_id": "{what} 不合规：{value}（只能含字母、数字、_ 和 -）",
        "topic_unknown": "没有能读取此主题的适配器：{topic}",
        "topic_mismatch": "不是 {source} 的主题：{topic}",
        "status_invalid": "状态只能是 online 或 offline，收到 {value}",
        "flood_without_alarm": "漏水状态消息缺少 alarm 字段",
        "shelly_status_unreadable": "无法读取 Shelly 状态（{detail}）",
        "keys_unknown": "无法识别的报警字段：{keys}",
        "apply_failed": "处理消息时出错（{error}）",
    },
    "en": {
        "alarm_ticket": "{kind} — {place}",
        "alarm_raised": "Raised by a sensor at {site}, {place} ({kind}), at {at}.",
        "alarm_joined": "{kind} at {place} joined this incident ({at})",
        "alarm_acknowledged": "Alarm acknowledged by {actor}: {kind}, {place}",
        "alarm_resolved": "Alarm resolved by {actor} ({kind}, {place}): {note}",
        "payload_too_large": "payload of {bytes} bytes exceeds {limit}",
        "payload_not_utf8": "payload is not UTF-8 ({detail})",
        "payload_not_json": "unreadable JSON ({detail})",
        "payload_invalid_id": "invalid {what} {value}: ids are [A-Za-z0-9_-]+",
        "topic_unknown": "no adapter reads topic {topic}",
        "topic_mismatch": "not a {source} topic: {topic}",
        "status_invalid": "status must be online or offline, got {value}",
        "flood_without_alarm": "flood status without alarm",
        "shelly_status_unreadable": "unreadable Shelly status ({detail})",
        "keys_unknown": "unknown alarm-like keys: {keys}",
        "apply_failed": "the message could not be applied ({error})",
    },
}


class SystemText(msgspec.Struct, frozen=True):
    """A text for people as data: `code` names the sentence, `args` fill it in (stored as JSON beside the text)."""

    code: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)

    def english(self) -> str:
        """The fallback stored in the CONTRACT field (`title`, `description`, a note's `text`, `reason`)."""
        return render(self.code, self.args, "en")

    def args_json(self) -> str:
        return json.dumps(self.args, ensure_ascii=False, sort_keys=True)


def _words(args: Mapping[str, Any], lang: str, time_zone: str | None) -> dict[str, str]:
    """The arguments as a reader sees them: the kind in words, the site by name, the place, the time."""
    words = {k: "" if v is None else str(v) for k, v in args.items()}
    if "kind" in args:
        words["kind"] = KIND_TITLES[lang].get(str(args["kind"]), str(args["kind"]))
    words["site"] = str(args.get("site_name") or args.get("site_id") or "")
    words["place"] = str(args.get("zone") or args.get("device") or "")
    words["actor"] = str(args.get("actor_name") or "")
    if args.get("at"):
        moment = parse_rfc3339(str(args["at"]))
        words["at"] = (moment.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M") if time_zone
                       else moment.strftime("%Y-%m-%d %H:%M UTC"))
    return words


def render(code: str, args: Mapping[str, Any], lang: str, time_zone: str | None = None) -> str:
    """The sentence `code` in `lang` (zh-CN unless en), times in `time_zone` (UTC when None)."""
    lang = lang if lang in TEMPLATES else "zh-CN"
    template = TEMPLATES[lang].get(code) or TEMPLATES["en"][code]
    words = _words(args, lang, time_zone)
    return template.format_map(_Blank(words))


def decode_args(raw: str | None) -> dict[str, Any] | None:
    return json.loads(raw) if raw else None


def render_stored(code: str | None, args: str | Mapping[str, Any] | None, fallback: str, lang: str, time_zone: str | None = None) -> str:
    """A stored text in the reader's language: its code when this build knows it, else the stored fallback.
    `args` as stored (JSON text) or decoded."""
    if not code or code not in TEMPLATES["en"]:
        return fallback
    return render(code, (decode_args(args) if isinstance(args, str) else args) or {}, lang, time_zone)


class _Blank(dict):  # type: ignore[type-arg]
    """A missing argument reads as nothing rather than raising: an older row may lack a newer argument."""

    def __missing__(self, key: str) -> str:
        return ""
