"""axe-core (npm, tests/pwa/axe) injected into Playwright pages: `serious_violations(page)` runs it over the
screen shown now and returns the critical and serious findings. `npm ci` runs here when it is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

AXE_DIR = Path(__file__).parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("critical", "serious")


def axe_source() -> Path:
    """The axe-core bundle, installed from the npm registry (package-lock.json pins it) on first use."""
    if not AXE_JS.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=AXE_DIR, check=True, timeout=600, capture_output=True)
    return AXE_JS


def with_axe(ctx: BrowserContext) -> BrowserContext:
    """Every page of the context gets axe before its own scripts (an init script: no CSP applies to it)."""
    ctx.add_init_script(path=str(axe_source()))
    return ctx


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """Critical and serious axe findings on the page as it is now: rule, impact, help and the first offending nodes."""
    return page.evaluate("""async (serious) => {
      const result = await axe.run(document, {resultTypes: ['violations']});
      return result.violations.filter((v) => serious.includes(v.impact)).map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 200)}))}));
    }""", list(SERIOUS))
