"""The printable receipt (维修服务通知单) of a work order: what was agreed, done and signed, with the hash.

Simplified Chinese by default, English on request; every stored text is HTML-escaped; images are embedded (no EXIF).
"""

from __future__ import annotations

import base64
import html
import json
from importlib import resources
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from server.blobs import blob_store
from server.blobs.access import HELD
from server.blobs.images import thumbnail, without_metadata
from server.clock import parse_rfc3339
from server.domain.access import load_order, may_see_customer
from server.domain.actor import Actor
from server.domain.signoff import current_signature, document_of, document_sha256
from server.domain.system_texts import render_stored
from server.settings import Settings
from server.store import Tx

TEMPLATE = Template(resources.files("server").joinpath("receipt.html").read_text(encoding="utf-8"))

LABELS = {
    "zh": {
        "heading": "维修服务通知单", "no_label": "单号", "l_unit": "房号", "l_title": "报修事项", "l_description": "问题描述",
        "l_scope": "维修内容", "l_labor_fee": "人工费", "l_material_fee": "材料费", "l_total": "合计", "l_consent": "客户确认报价",
        "l_summary": "完工说明", "l_technician": "维修人员", "l_status": "状态", "l_times": "时间", "l_photos": "照片",
        "l_signature": "客户签名", "l_document": "文件校验", "l_document_hash": "签署文件 SHA-256", "l_print": "打印",
        "created_at": "登记时间", "dispatched_at": "派单时间", "accepted_at": "接单时间", "arrived_at": "到场时间", "scope_confirmed_at": "确认报价时间",
        "completed_at": "完工时间", "signed_at": "签名时间", "recorded_at": "服务器记录签名时间",
        "l_code": "验证码", "l_pdf": "下载 PDF", "on_behalf": "由维修人员代客户记录",
        "tz": "北京时间", "pending": "照片上传中", "none": "—", "unsigned": "尚未签名",
        "accepted": "客户确认验收", "refused": "客户拒绝验收", "comment": "客户意见", "signer": "签名人",
        "consent_signed": "已签名确认", "consent_unsigned": "口头确认（无签名）",
        "hash_signed": "此哈希值与客户签名时设备上显示的内容一致；可在 /verify 重新计算核对。",
        "hash_unsigned": "此为当前内容的哈希值，客户尚未签名。",
        "kinds": {"before": "维修前", "after": "维修后", "cleanup": "清理现场", "damage": "损坏情况"},
        "statuses": {"new": "新建", "dispatched": "已派单", "accepted": "已接单", "on_site": "已到场", "in_progress": "维修中",
                     "completed": "已完工", "signed_off": "已验收", "closed": "已关闭", "deferred": "延期", "disputed": "有争议",
                     "cancelled": "已取消"},
    },
    "en": {
        "heading": "Repair Service Receipt", "no_label": "No.", "l_unit": "Unit", "l_title": "Reported problem",
        "l_description": "Description", "l_scope": "Agreed work", "l_labor_fee": "Labour", "l_material_fee": "Materials",
        "l_total": "Total", "l_consent": "Customer agreed to the price", "l_summary": "Work done", "l_technician": "Technician",
        "l_status": "Status", "l_times": "Times", "l_photos": "Photos", "l_signature": "Customer signature",
        "l_document": "Document check", "l_document_hash": "Signed document SHA-256", "l_print": "Print",
        "created_at": "Recorded", "dispatched_at": "Dispatched", "accepted_at": "Taken", "arrived_at": "Arrived", "scope_confirmed_at": "Price agreed",
        "completed_at": "Completed", "signed_at": "Signed", "recorded_at": "Signature received by the server",
        "l_code": "Verification code", "l_pdf": "Download PDF", "on_behalf": "recorded by the technician on the customer's behalf",
        "tz": "China Standard Time", "pending": "photo still uploading", "none": "—", "unsigned": "not signed yet",
        "accepted": "accepted by the customer", "refused": "refused by the customer", "comment": "Customer's comment",
        "signer": "Signed by", "consent_signed": "signed", "consent_unsigned": "agreed verbally (no signature)",
        "hash_signed": "This hash matches what the customer's device showed when signing; /verify recomputes it.",
        "hash_unsigned": "This is the hash of the current content; the customer has not signed yet.",
        "kinds": {"before": "before", "after": "after", "cleanup": "site cleaned", "damage": "damage"},
        "statuses": {},
    },
}


def choose_language(lang: str | None, accept_language: str | None) -> str:
    """`?lang=en|zh` wins; else the first of zh/en in Accept-Language; else Chinese."""
    if lang in LABELS:
        return lang  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def receipt_facts(tx: Tx, actor: Actor, work_order_id: str, company_tz: str) -> dict[str, Any]:
    """Everything a receipt shows, read in one transaction (the HTML page and the PDF render the same facts)."""
    return {**_facts(tx, actor, work_order_id), "zone": ZoneInfo(company_tz)}


def verification_code(sha256: str) -> str:
    """The short code the customer was shown beside their signature: the hash's first 8 hex digits (pwa/js/signed-document.js)."""
    return f"{sha256[:4]}-{sha256[4:8]}".upper()


def zone_label(facts: dict[str, Any], words: dict[str, Any]) -> str:
    """The company's zone as people name it: 北京时间 / China Standard Time for China's zones, else the IANA name and offset."""
    zone = facts["zone"]
    if zone.key in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"):
        return words["tz"]
    offset = parse_rfc3339(facts["wo"]["created_at"]).astimezone(zone).strftime("%z")
    return f"{zone.key} (UTC{offset[:3]}:{offset[3:]})"


def stored_words(facts: dict[str, Any], lang: str) -> tuple[str, str]:
    """A sensor-made order's title and description in the receipt's language (the signed hash covers the stored words)."""
    wo, tongue, zone = facts["wo"], "zh-CN" if lang == "zh" else "en", facts["zone"].key
    return (render_stored(wo.get("title_code"), wo.get("title_args"), wo["title"], tongue, zone),
            render_stored(wo.get("description_code"), wo.get("description_args"), wo["description"], tongue, zone))


def render_receipt(facts: dict[str, Any], lang: str, settings: Settings, pdf_href: str = "") -> str:
    """The receipt page of `receipt_facts`, its images from the blob store."""
    words = LABELS[lang]
    store = blob_store(settings)
    title, description = stored_words(facts, lang)
    pdf = f'<a class="button" href="{e(pdf_href)}" download>{e(words["l_pdf"])}</a>' if pdf_href else ""
    return TEMPLATE.substitute(
        lang="zh-CN" if lang == "zh" else "en",
        **{k: e(v) for k, v in words.items() if isinstance(v, str)},
        order_id=e(facts["wo"]["id"]), site_name=e(facts["site_name"]), unit=e(facts["wo"]["unit"]), title=e(title),
        description=e(description), scope=e(facts["wo"]["scope"] or words["none"]),
        labor_fee=money(facts["wo"]["labor_fee"]), material_fee=money(facts["wo"]["material_fee"]),
        total=money((facts["wo"]["labor_fee"] or 0) + (facts["wo"]["material_fee"] or 0)),
        consent=e(consent_line(facts, words)), summary=e(facts["wo"]["summary"] or words["none"]), technician=e(facts["technician"]),
        status=e(status_word(facts, words)), times=_times(facts, words), photos=_photos(store, facts, words),
        signature=_signature(store, facts, words), document_sha256=e(facts["document_sha256"]),
        code=e(verification_code(facts["document_sha256"])), pdf_link=pdf, zone=e(zone_label(facts, words)),
        hash_note=e(words["hash_signed" if facts["signature"] else "hash_unsigned"]),
    )


def _facts(tx: Tx, actor: Actor, work_order_id: str) -> dict[str, Any]:
    wo = load_order(tx, actor, work_order_id)
    signature = current_signature(wo)
    site = tx.one("SELECT name FROM sites WHERE id = ?", (wo["site_id"],))
    tech = tx.one("SELECT name FROM users WHERE id = ?", (wo["assignee_id"],)) if wo["assignee_id"] else None
    # Only images whose reference is held by an uploader are embedded (server/blobs/access.py); others show pending.
    photos = tx.query("SELECT p.sha256, p.kind, p.taken_at, b.media_type FROM photos p LEFT JOIN blobs b ON b.sha256 = p.sha256"
                      f" AND {HELD.format(sha='p.sha256', who='p.added_by')} WHERE p.work_order_id = ? ORDER BY p.taken_at, p.sha256", (wo["id"],))
    sig_blob = tx.one("SELECT b.media_type FROM signatures s JOIN blobs b ON b.sha256 = s.signature_sha256"
                      f" WHERE s.work_order_id = ? AND s.signature_sha256 = ? AND {HELD.format(sha='s.signature_sha256', who='s.actor_id')}",
                      (wo["id"], signature["signature_sha256"])) if signature else None
    return {"wo": wo, "site_name": site["name"] if site else wo["site_id"], "technician": tech["name"] if tech else "—",
            "photos": photos, "signature": signature, "signature_media_type": sig_blob["media_type"] if sig_blob else None,
            "consent": json.loads(wo["consent"]) if wo["consent"] else None, "customer": may_see_customer(actor, wo),
            "document_sha256": signature["document_sha256"] if signature else document_sha256(document_of(tx, wo))}


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def money(fen: int | None) -> str:
    return "—" if fen is None else f"¥{fen // 100:,}.{fen % 100:02d}"


def local_time(facts: dict[str, Any], text: str | None) -> str:
    """`YYYY-MM-DD HH:MM` in the company's zone (FIELDOPS_COMPANY_TZ); the API stays in UTC."""
    return parse_rfc3339(text).astimezone(facts["zone"]).strftime("%Y-%m-%d %H:%M") if text else "—"


def status_word(facts: dict[str, Any], words: dict[str, Any]) -> str:
    status = facts["wo"]["status"]
    return words["statuses"].get(status, status.replace("_", " "))


def consent_line(facts: dict[str, Any], words: dict[str, Any]) -> str:
    consent = facts["consent"]
    if consent is None:
        return words["none"]
    name = consent["customer_name"] if facts["customer"] else words["none"]
    how = words["consent_signed" if consent.get("signature_sha256") else "consent_unsigned"]
    return f"{name} · {how} · {local_time(facts, consent.get('occurred_at'))}"


def time_rows(facts: dict[str, Any], words: dict[str, Any]) -> list[tuple[str, str]]:
    """Every time of the procedure that happened: recorded, dispatched, taken, arrived, price agreed, completed, signed."""
    wo, signature = facts["wo"], facts["signature"] or {}
    rows = [(key, wo[key]) for key in ("created_at", "dispatched_at", "accepted_at", "arrived_at", "scope_confirmed_at", "completed_at")]
    rows += [("signed_at", signature.get("signed_at")), ("recorded_at", signature.get("recorded_at"))]
    return [(words[key], local_time(facts, value)) for key, value in rows if value]


def signer_line(facts: dict[str, Any], words: dict[str, Any]) -> str:
    signature = facts["signature"]
    signer = signature["signer_name"] if facts["customer"] else words["none"]
    line = f"{words['signer']}: {signer} · {words['accepted' if signature['accepted'] else 'refused']}"
    return f"{line} ({words['on_behalf']})" if signature.get("on_behalf") else line


def _times(facts: dict[str, Any], words: dict[str, Any]) -> str:
    return "".join(f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in time_rows(facts, words))


def _data_uri(path: Any, media_type: str) -> str:
    return f"data:{media_type};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _photos(store: Any, facts: dict[str, Any], words: dict[str, Any]) -> str:
    figures = []
    for p in facts["photos"]:
        caption = f"{e(words['kinds'].get(p['kind'], p['kind']))} · {e(local_time(facts, p['taken_at']))}<br>{e(p['sha256'])}"
        if p["media_type"] is None:
            figures.append(f'<figure><p class="pending">{e(words["pending"])}</p><figcaption>{caption}</figcaption></figure>')
        else:
            figures.append(f'<figure><img alt="{e(p["kind"])}" src="{_data_uri(thumbnail(store, p["sha256"]), "image/jpeg")}"><figcaption>{caption}</figcaption></figure>')
    return "".join(figures) or e(words["none"])


def _signature(store: Any, facts: dict[str, Any], words: dict[str, Any]) -> str:
    signature = facts["signature"]
    if signature is None:
        return f"<p>{e(words['unsigned'])}</p>"
    parts = [f"<p>{e(signer_line(facts, words))}</p>"]
    if signature.get("comment"):
        parts.append(f"<p>{e(words['comment'])}: {e(signature['comment'])}</p>")
    if not signature["signature_sha256"]:
        return "".join(parts)  # refused without a drawing: the comment says why
    if facts["signature_media_type"]:
        uri = _data_uri(without_metadata(store, signature["signature_sha256"], facts["signature_media_type"]), facts["signature_media_type"])
        parts.append(f'<img alt="signature" src="{uri}">')
    else:
        parts.append(f'<p class="pending">{e(words["pending"])}</p>')
    parts.append(f'<p class="hash">{e(signature["signature_sha256"])}</p>')
    return "".join(parts)
