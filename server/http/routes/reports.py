"""The monthly report (CONTRACT.md "Reports"): JSON or CSV, and a printable HTML page with SVG charts.

Dispatchers, supervisors and admins; one site (`site_id`) or all the caller's sites.
"""

from __future__ import annotations

from typing import Literal

from litestar import Controller, MediaType, Request, Response, get
from litestar.params import Parameter

from server.domain.actor import Actor
from server.reports.window import FIRST_MONTH, LAST_MONTH, MONTH_PATTERN
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.office import MonthlyReport
from server.http.security_headers import PRINTABLE_HEADERS
from server.reports import report_csv, report_for, report_page
from server.reports.words import choose_language
from server.services import Services

MONTH = Parameter(default="", required=False, pattern=MONTH_PATTERN, description=f"YYYY-MM from {FIRST_MONTH} to {LAST_MONTH}, in the company's time zone (FIELDOPS_COMPANY_TZ)")
SITE = Parameter(default=None, description="one site; all the caller's sites when omitted")
LANG = Parameter(default=None, pattern=r"^([zZ][hH]|[eE][nN])(-[A-Za-z0-9]{1,8})*\Z", description="zh-CN or en for what people read (page, CSV labels); else Accept-Language, else zh-CN")


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = AUTHENTICATED

    @get("/monthly", operation_id="monthlyReport", responses=errors(403, 404, 422), sync_to_thread=True)
    def monthly(self, request: Request, services: Services, actor: Actor, month: str = MONTH, site_id: str | None = SITE,
                format: Literal["json", "csv"] = Parameter(default="json", description="json or csv"), lang: str | None = LANG) -> Response:
        """The monthly statistics (DOMAIN.md targets) as JSON or CSV (`format=csv`, its `label` column in the reader's language).

        Counts, on-time rate per SLA step, rework and call-back rates, complaints, alarm acknowledgement
        p50/p90, and `misses` (the orders behind each rate). Rates are fractions 0..1, null when nothing was due."""
        report = services.read(report_for, actor, services.sla_targets, services.settings.company_tz, month or "", site_id)
        if format == "json":
            return Response(answer(MonthlyReport, report))
        name = f"fieldops-{report['month']}-{site_id or 'all'}.csv"
        language = choose_language(lang, request.headers.get("accept-language"))
        # The BOM makes Excel read UTF-8 (Chinese titles and names) instead of the local code page.
        return Response("\ufeff" + report_csv(report, language), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Content-Language": language,
                                 "Vary": "Accept-Language"})

    @get("/monthly.html", operation_id="monthlyReportPage", responses=errors(403, 404, 422), sync_to_thread=True, media_type=MediaType.HTML,
          response_headers=PRINTABLE_HEADERS)
    def page(self, request: Request, services: Services, actor: Actor, month: str = MONTH, site_id: str | None = SITE,
             lang: str | None = LANG) -> Response[str]:
        """The same report as a printable page with inline SVG charts, in the reader's language (fetch with the bearer token)."""
        language = choose_language(lang, request.headers.get("accept-language"))
        report = services.read(report_for, actor, services.sla_targets, services.settings.company_tz, month or "", site_id)
        body = report_page(report, language)
        return Response(body, media_type=MediaType.HTML, headers={"Content-Language": language, "Vary": "Accept-Language"})
