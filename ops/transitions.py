"""Regenerates the PWA's mirror of the status rules (pwa/js/transitions.js) from server/domain/status_rules.py.

Run `python ops/transitions.py` after changing the server's table; `--check` fails (tests/ops/test_transitions.py)
when the app's copy has drifted, so a step the server allows can always be queued offline.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TRANSITIONS_JS = ROOT / "pwa" / "js" / "transitions.js"
SECTION = re.compile(r"(// generated:status-rules[^\n]*\n).*?(// /generated:status-rules)", re.S)


def status_table() -> str:
    from server.domain.status_rules import ALLOWED_FROM, UNPRICED_CATEGORIES, UNPRICED_FROM

    lines = ["const FROM = {"]
    lines += [f"  {step}: {json.dumps(list(statuses))}," for step, statuses in ALLOWED_FROM.items()]
    lines.append("};")
    lines.append(f"export const UNPRICED_CATEGORIES = {json.dumps(list(UNPRICED_CATEGORIES))};")
    lines.append("const UNPRICED_FROM = {")
    lines += [f"  {step}: {json.dumps(list(statuses))}," for step, statuses in UNPRICED_FROM.items()]
    lines.append("};")
    return "\n".join(lines)


def render(text: str) -> str:
    if not SECTION.search(text):
        raise SystemExit(f"{TRANSITIONS_JS} lacks the markers of the generated section status-rules")
    return SECTION.sub(lambda m: m.group(1) + status_table() + "\n" + m.group(2), text)


def main() -> int:
    current = TRANSITIONS_JS.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in sys.argv:
        if fresh != current:
            print("pwa/js/transitions.js is stale: run `python ops/transitions.py`", file=sys.stderr)
            return 1
        return 0
    TRANSITIONS_JS.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
