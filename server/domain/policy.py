"""Company policies mutators read in their own transaction: written from the settings when the service
starts, so every instance sharing a database, and every offline step replayed later, judges by one rule.
"""

from __future__ import annotations

from server.clock import now_text
from server.store import Tx

# name -> default, used when the table has no row (a database written by an older version)
DEFAULTS = {"consent_signature": "required_when_paid",
            # the monitoring room's clock (server/domain/schedule.py)
            "company_tz": "Asia/Shanghai", "office_hours": "08:30-17:30", "shift_changes": "08:30,17:30"}


def write_policies(tx: Tx, values: dict[str, str]) -> None:
    for key, value in values.items():
        tx.execute("INSERT INTO company_policy (key, value, updated_at) VALUES (?, ?, ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                   (key, value, now_text()))


def policy(tx: Tx, key: str) -> str:
    row = tx.one("SELECT value FROM company_policy WHERE key = ?", (key,))
    return row["value"] if row else DEFAULTS[key]
