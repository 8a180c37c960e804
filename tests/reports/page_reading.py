"""Reading the printable report as a person does: its visible words, and the cells of each misses table."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


class VisibleText(HTMLParser):
    """The words a reader sees (no tags, attributes, styles or scripts), one string per text node."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self._hidden += tag in ("style", "script")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def miss_rows(html: str, figure: str) -> list[list[str]]:
    """The cells of each row of one misses table (the one under <h3 id="miss-{figure}">)."""
    table = re.search(rf'<h3 id="miss-{figure}">.*?</h3><table[^>]*>(.*?)</table>', html).group(1)
    return [[unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table) if "<td>" in row]
