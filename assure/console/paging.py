"""Pages of a long list: which page a visitor asked for, and the links to the others."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

LAST_PAGE = 1_000_000  # beyond any list's end; a longer number is not a page asked for


def page_number(asked: str) -> int:
    """The page asked for in the address; anything that is not a page number is the first."""
    number = int(asked) if asked.isascii() and asked.isdigit() else 0
    return number if 0 < number <= LAST_PAGE else 1


@dataclass(frozen=True)
class Paging:
    """Page `number` of `total` rows shown `size` to a page, at `path` with `query`."""

    number: int
    total: int
    size: int
    path: str
    query: dict[str, str]
    label: str = "Pages"  # what a screen reader calls the links

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_shown(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.size, self.total)

    def href(self, number: int) -> str:
        kept = {k: v for k, v in self.query.items() if v}
        return f"{self.path}?{urlencode({**kept, 'page': number})}"

    def links(self) -> dict[str, Any] | None:
        """GOV.UK pagination's parameters: the first, last and nearby pages, with gaps."""
        if self.pages == 1:
            return None
        near = {1, self.pages, self.number - 1, self.number, self.number + 1}
        items: list[dict[str, Any]] = []
        for number in sorted(n for n in near if 1 <= n <= self.pages):
            if items and number > items[-1].get("number", 0) + 1:
                items.append({"ellipsis": True})
            items.append({"number": number, "href": self.href(number),
                          "current": number == self.number})
        links: dict[str, Any] = {"items": items, "landmarkLabel": self.label}
        if self.number > 1:
            links["previous"] = {"href": self.href(self.number - 1)}
        if self.number < self.pages:
            links["next"] = {"href": self.href(self.number + 1)}
        return links
