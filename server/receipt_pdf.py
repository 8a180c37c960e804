"""The receipt as a PDF (A4), for the customer to keep: the same facts as the HTML receipt (server/receipt.py).

Rendered with fpdf2 (pure Python, maintained, embeds a subset of the font). Chinese needs a CJK font: the first
of FIELDOPS_PDF_FONT and the usual system paths that exists; Debian's `fonts-wqy-microhei` (WenQuanYi Micro Hei,
installed by .ci/run and ops/DEPLOY.md) is the one we test with. With no font the PDF answers 503 `pdf_font_missing`
(a deployment to fix, said plainly) and the HTML receipt still works.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.blobs import blob_store
from server.blobs.images import thumbnail, without_metadata
from server.errors import Unavailable
from server.receipt import (LABELS, consent_line, local_time, money, signer_line, status_word, stored_words, time_rows,
                            verification_code, zone_label)
from server.settings import Settings

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
LABEL_W = 45  # mm: the label column; the value takes the rest of the line


def font_path(configured: str) -> Path:
    for candidate in ((configured,) if configured else ()) + FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise Unavailable("no CJK font for the PDF receipt on this server: install fonts-wqy-microhei or set FIELDOPS_PDF_FONT",
                             code="pdf_font_missing")


def filename(work_order_id: str) -> str:
    return f"receipt-{work_order_id}.pdf"


def render_receipt_pdf(facts: dict[str, Any], lang: str, settings: Settings) -> bytes:
    """The receipt of `receipt_facts` as an A4 PDF, its images from the blob store."""
    from fpdf import FPDF  # imported when a PDF is asked for: fontTools would add a second to every start
    from fpdf.enums import XPos, YPos

    words = LABELS[lang]
    store = blob_store(settings)
    wo = facts["wo"]
    pdf = FPDF(format="A4")
    pdf.set_title(f"{words['heading']} {wo['id']}")
    pdf.set_creator("FieldOps")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=str(font_path(settings.pdf_font)))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str, size: float = 13) -> None:
        pdf.set_font("cjk", size=size)
        pdf.ln(2)
        pdf.multi_cell(width, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    def row(label: str, value: str) -> None:
        pdf.set_font("cjk", size=10)
        top = pdf.get_y()
        pdf.multi_cell(LABEL_W, 6, label, border=1, new_x=XPos.RIGHT, new_y=YPos.TOP)
        after_label = pdf.get_y() if pdf.get_y() > top else top + 6
        pdf.set_xy(pdf.l_margin + LABEL_W, top)
        pdf.multi_cell(width - LABEL_W, 6, value or words["none"], border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), after_label))

    heading(words["heading"], 18)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(width, 5, f"{facts['site_name']} · {words['no_label']} {wo['id']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    total = (wo["labor_fee"] or 0) + (wo["material_fee"] or 0)
    title, description = stored_words(facts, lang)
    for label, value in (("l_unit", wo["unit"]), ("l_title", title), ("l_description", description),
                         ("l_scope", wo["scope"]), ("l_labor_fee", money(wo["labor_fee"])), ("l_material_fee", money(wo["material_fee"])),
                         ("l_total", money(total)), ("l_consent", consent_line(facts, words)), ("l_summary", wo["summary"]),
                         ("l_technician", facts["technician"]), ("l_status", status_word(facts, words))):
        row(words[label], value)

    heading(f"{words['l_times']} ({zone_label(facts, words)})")
    for label, value in time_rows(facts, words):
        row(label, value)

    heading(words["l_photos"])
    _photos(pdf, store, facts, words, width)

    heading(words["l_signature"])
    pdf.set_font("cjk", size=10)
    signature = facts["signature"]
    if signature is None:
        pdf.multi_cell(width, 6, words["unsigned"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.multi_cell(width, 6, signer_line(facts, words), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if signature.get("comment"):
            pdf.multi_cell(width, 6, f"{words['comment']}: {signature['comment']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if signature["signature_sha256"] and facts["signature_media_type"]:
            image = without_metadata(store, signature["signature_sha256"], facts["signature_media_type"])
            pdf.image(str(image), w=60)
        elif signature["signature_sha256"]:
            pdf.multi_cell(width, 6, words["pending"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    heading(words["l_document"])
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(width, 6, f"{words['l_code']}: {verification_code(facts['document_sha256'])}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(width, 4, f"{words['l_document_hash']}: {facts['document_sha256']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(width, 4, words["hash_signed" if signature else "hash_unsigned"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _photos(pdf: "FPDF", store: Any, facts: dict[str, Any], words: dict[str, Any], width: float) -> None:
    """Thumbnails three to a row with their kind and time; a photo whose bytes are not held says so."""
    from fpdf.enums import XPos, YPos

    if not facts["photos"]:
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(width, 6, words["none"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    cell = (width - 10) / 3
    for start in range(0, len(facts["photos"]), 3):
        group = facts["photos"][start:start + 3]
        if pdf.get_y() + cell + 12 > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.get_y()
        for i, p in enumerate(group):
            x = pdf.l_margin + i * (cell + 5)
            if p["media_type"] is None:
                pdf.set_xy(x, top)
                pdf.set_font("cjk", size=9)
                pdf.multi_cell(cell, cell * 0.75, words["pending"], border=1, align="C")
            else:
                pdf.image(str(thumbnail(store, p["sha256"])), x=x, y=top, w=cell, h=cell * 0.75, keep_aspect_ratio=True)
            pdf.set_xy(x, top + cell * 0.75 + 1)
            pdf.set_font("cjk", size=8)
            kind = words["kinds"].get(p["kind"], p["kind"])
            pdf.multi_cell(cell, 4, f"{kind} · {local_time(facts, p['taken_at'])}")
        pdf.set_y(top + cell * 0.75 + 11)

