"""Monthly statistics of the service centre (DOMAIN.md targets): JSON, CSV and a printable page.

`build_report` is the one entry point for the HTTP route and `fieldops report`.
"""

from __future__ import annotations

from typing import Any

from server.clock import now
from server.domain.actor import Actor
from server.domain.sla import SlaRules
from server.reports.csv_table import report_csv
from server.reports.monthly import monthly_report
from server.reports.page import report_page
from server.reports.window import MonthWindow, month_window
from server.store import Tx

__all__ = ["MonthWindow", "build_report", "report_for", "month_window", "monthly_report", "report_csv", "report_page"]


def report_for(tx: Tx, actor: Actor, targets: SlaRules, company_tz: str, month: str, site_id: str | None) -> dict[str, Any]:
    """The report for `month` (YYYY-MM, company time zone) over one site or all the actor's sites."""
    return monthly_report(tx, actor, targets, month_window(month, company_tz), site_id or None, now())


def build_report(services: Any, actor: Actor, month: str, site_id: str | None) -> dict[str, Any]:
    """`report_for` in one read of the services' store (`fieldops report`)."""
    return services.read(report_for, actor, services.sla_targets, services.settings.company_tz, month, site_id)
