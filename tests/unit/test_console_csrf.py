"""The console's CSRF defences as rules: which forms get the token, and which requests count
as coming from the console's own origin (issue 14, defect 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.requests import Request

from assure.console import HERE
from assure.console.csrf import TokenInPostForms, key_in, same_origin
from assure.console.rendering import environment

pytestmark = pytest.mark.unit
FIELD = "{{ csrf_field() }}"


@pytest.mark.parametrize("form", [
    '<form method="post" action="/console/x" novalidate>',
    "<form action='/x'\n      method='POST'>",
    "<form method=post>",
    '<form method="post" action="/console/provider/x" enctype="multipart/form-data">',
])
def test_every_post_form_gets_the_token_first(form):
    source = f"<p>before</p>{form}<input name=a></form>"
    assert TokenInPostForms(environment()).preprocess(source, "t") == \
        f"<p>before</p>{form}{FIELD}<input name=a></form>"


@pytest.mark.parametrize("form", ['<form method="get" action="/console/audit/">',
                                  '<form action="/x">', '<formset method="post">'])
def test_forms_that_change_nothing_are_left_alone(form):
    assert TokenInPostForms(environment()).preprocess(form, "t") == form


def test_each_of_the_consoles_post_forms_is_given_the_field():
    templates = list((HERE / "templates").rglob("*.html"))
    posting = [path for path in templates if 'method="post"' in path.read_text()]
    assert len(posting) >= 8, posting
    env = environment()
    for path in posting:
        loaded = env.preprocess(path.read_text(), _name(path))
        assert loaded.count(FIELD) == loaded.count('method="post"'), path


def _name(path: Path) -> str:
    return str(path.relative_to(HERE / "templates"))


def request(headers: dict[str, str], scheme: str = "http", host: str = "assure.example") -> Request:
    raw = [(b"host", host.encode())] + [(k.lower().encode(), v.encode())
                                        for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "scheme": scheme, "path": "/console/x",
                    "query_string": b"", "headers": raw, "server": (host, 80)})


@pytest.mark.parametrize(("headers", "scheme", "allowed"), [
    ({"Origin": "http://assure.example"}, "http", True),
    ({"Origin": "https://assure.example"}, "https", True),
    ({"Referer": "http://assure.example/console/page?x=1"}, "http", True),
    ({"Origin": "http://assure.example"}, "https", False),
    ({"Origin": "https://elsewhere.example"}, "https", False),
    ({"Origin": "http://assure.example.elsewhere.example"}, "http", False),
    ({"Origin": "null"}, "http", False),
    ({"Origin": "https://elsewhere.example", "Referer": "http://assure.example/"}, "http", False),
    ({"Referer": "http://elsewhere.example/console/"}, "http", False),
    ({}, "http", False),
])
def test_only_the_consoles_own_origin_may_post(headers, scheme, allowed):
    assert same_origin(request(headers, scheme)) is allowed


def test_the_key_is_made_once_readable_by_its_owner_only_and_kept(tmp_path):
    path = tmp_path / "console" / "csrf.key"
    first = key_in(path)
    assert len(first) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert key_in(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["csrf.key"], "no draft left behind"
