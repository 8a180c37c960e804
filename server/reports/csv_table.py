"""The monthly report as CSV: one row per figure (dotted name, value), then one row per miss.

Figures carry the same names and values as the JSON (null is an empty cell), so a spreadsheet and
the API never disagree; columns after `value` are filled only on `miss.*` rows.
"""

from __future__ import annotations

import csv
import io
from typing import Any

# The columns people read (short number, names) come after the original ones, so existing imports keep working.
COLUMNS = ("metric", "value", "work_order_id", "site_id", "elapsed_s", "target_s", "detail", "order_no", "site_name", "assignee_name")
MISS_FIELDS = {"work_order_id", "site_id", "elapsed_s", "target_s", "order_no", "site_name", "assignee_id", "assignee_name"}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}; leaves keep their JSON values."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        flat.update(flatten(inner, f"{prefix}.{key}" if prefix else key))
    return flat


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    figures = {k: v for k, v in report.items() if k != "misses"}
    for metric, value in flatten(figures).items():
        writer.writerow([metric, _cell(value), "", "", "", "", "", "", "", ""])
    for figure, misses in report.get("misses", {}).items():
        for miss in misses:
            detail = "; ".join(f"{k}={_cell(v)}" for k, v in miss.items() if k not in MISS_FIELDS)
            writer.writerow([f"miss.{figure}", "", miss["work_order_id"], miss["site_id"],
                             _cell(miss.get("elapsed_s")), _cell(miss.get("target_s")), detail,
                             miss["order_no"], miss["site_name"], _cell(miss.get("assignee_name"))])
    return out.getvalue()
