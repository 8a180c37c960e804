"""Monthly statistics of the service centre (DOMAIN.md targets): JSON, CSV and a printable page.

`build_report` is the one entry point for the HTTP route and `fieldops report`.
"""

from __future__ import annotations

from typing import Any

from server.clock import now
from server.domain.actor import Actor
from server.reports.csv_table import report_csv
from server.reports.monthly import monthly_report
from server.reports.page import report_page
from server.reports.window import MonthWindow, month_window

__all__ = ["MonthWindow", "build_report", "month_window", "monthly_report", "report_csv", "report_page"]


def build_report(services: Any, actor: Actor, month: str, site_id: str | None) -> dict[str, Any]:
    """The report for `month` (YYYY-MM, company time zone) over one site or all the actor's sites."""
    window = month_window(month, services.settings.company_tz)
    return services.store.read(lambda tx: monthly_report(tx, actor, services.sla_targets, window, site_id or None, now()))
