"""Every table scrolls sideways within its own box, so no page is wider than a phone's screen
(320 px; issue 18, must-do 8): the pattern GOV.UK services use for wide tables, a region named
after the table's caption that a keyboard can reach and scroll.

Wrapped as each template is loaded (GOV.UK Frontend's table macro too), like the forms' CSRF
field, so no table, now or later, can be written without its box.
"""

from __future__ import annotations

import html
import re

from jinja2.ext import Extension
from markupsafe import Markup

TABLE = re.compile(r"<table\b")
TABLE_END = re.compile(r"</table>")
CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)
TAGS = re.compile(r"<[^>]+>")


def scrolling(caller: object) -> Markup:
    """The table the block rendered, in a box named by its caption's words."""
    table = str(caller())  # type: ignore[operator]
    found = CAPTION.search(table)
    words = " ".join(html.unescape(TAGS.sub(" ", found.group(1))).split()) if found else ""
    label = html.escape(words or "Table", quote=True)
    return Markup(f'<div class="assure-table-scroll" role="region" aria-label="{label}" '
                  f'tabindex="0">{table}</div>')


class ScrollingTables(Extension):
    """Puts each `<table>` of every template in `scrolling`'s box as the template is loaded."""

    def __init__(self, environment: object) -> None:
        super().__init__(environment)  # type: ignore[arg-type]
        self.environment.globals["assure_scrolling"] = scrolling

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        source = TABLE.sub("{% call assure_scrolling() %}<table", source)
        return TABLE_END.sub("</table>{% endcall %}", source)
