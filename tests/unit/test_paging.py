"""The console's pages of a long list: which page is asked for, and the links to the others."""

from __future__ import annotations

import pytest

from assure.console.paging import Paging, page_number


@pytest.mark.parametrize(("asked", "number"), [
    ("", 1), ("3", 3), ("0", 1), ("-2", 1), ("two", 1), ("²", 1), ("٣", 1),
    ("1000000", 1_000_000), ("1000001", 1), ("9" * 40, 1),
])
def test_only_a_page_number_is_taken_as_one(asked, number):
    assert page_number(asked) == number


def paging(number: int, total: int) -> Paging:
    return Paging(number, total, 50, "/console/workspace/returns",
                  {"status": "overdue", "mine": ""})


def test_a_list_on_one_page_has_no_links():
    assert paging(1, 50).links() is None
    assert (paging(1, 0).first_shown, paging(1, 0).last_shown) == (0, 0)


def test_the_links_name_the_first_last_and_nearby_pages_with_gaps_between():
    links = paging(5, 451).links()

    assert links is not None
    assert [item.get("number", "…") for item in links["items"]] == [1, "…", 4, 5, 6, "…", 10]
    assert [item["number"] for item in links["items"] if item.get("current")] == [5]
    assert links["previous"]["href"] == "/console/workspace/returns?status=overdue&page=4"
    assert links["next"]["href"] == "/console/workspace/returns?status=overdue&page=6"
    assert (paging(5, 451).first_shown, paging(5, 451).last_shown) == (201, 250)


def test_the_last_page_has_no_next_link_and_shows_what_is_left():
    last = paging(10, 451)
    links = last.links()

    assert links is not None and "next" not in links
    assert (last.offset, last.first_shown, last.last_shown) == (450, 451, 451)
