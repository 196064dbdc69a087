"""Every table scrolls sideways within its own box, so no page is wider than a phone's screen
(320 px; issue 18, must-do 8): the pattern GOV.UK services use for wide tables, a region named
after the table's caption that a keyboard can reach and scroll.

Wrapped as each template is loaded (GOV.UK Frontend's table macro too), like the forms' CSRF
field, so no table, now or later, can be written without its box.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from jinja2 import Environment
from jinja2.ext import Extension
from markupsafe import Markup

TABLE = re.compile(r"<table\b")
TABLE_END = re.compile(r"</table>")
CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)


def scrolling(caller: Callable[[], str]) -> Markup:
    """The table the block rendered, in a box named by its caption's words."""
    table = str(caller())
    found = CAPTION.search(table)
    # The caption's own words, before any note set in it (the dashboard's order, say): a short
    # name for the region, that does not repeat the words a form field beside it is named by.
    words = " ".join(html.unescape(found.group(1).split("<", 1)[0]).split()) if found else ""
    label = html.escape(words or "Table", quote=True)
    return Markup(f'<div class="assure-table-scroll" role="region" aria-label="{label}" '
                  f'tabindex="0">{table}</div>')


class ScrollingTables(Extension):
    """Puts each `<table>` of every template in `scrolling`'s box as the template is loaded."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["assure_scrolling"] = scrolling

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        source = TABLE.sub("{% call assure_scrolling() %}<table", source)
        return TABLE_END.sub("</table>{% endcall %}", source)
