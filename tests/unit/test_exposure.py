"""Who can reach Assure, and what they may give it: sign-in only where it is safe, the real client
behind proxies, dates within sane years, and short echoes of bad input (issue 14)."""

from __future__ import annotations

import re
import typing
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request

from assure.report.api import router as reports_router
from assure.security import client_address, from_this_machine
from assure.services import ALL
from shared.settings import AssureSettings, UnsafeSignIn, check_sign_in_is_safe, is_loopback
from shared.uk import EARLIEST, LATEST, within_sane_years
from shared.uk_types import IsoDate, IsoDateTime

pytestmark = pytest.mark.unit
IDP = {"auth_jwks_url": "https://login.example.org/jwks", "auth_issuer": "https://login.example.org/"}


# Sign-in only where it is safe -----------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_the_development_issuer_may_listen_on_loopback(host):
    check_sign_in_is_safe(AssureSettings(http_host=host))
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "assure.council.example"])
def test_the_development_issuer_is_refused_on_any_other_address_saying_why(host):
    with pytest.raises(UnsafeSignIn) as refused:
        check_sign_in_is_safe(AssureSettings(http_host=host))
    assert f"will not listen on {host}" in str(refused.value)
    assert "ASSURE_AUTH_JWKS_URL" in str(refused.value)


def test_sign_in_switched_off_is_refused_on_any_address_but_loopback():
    check_sign_in_is_safe(AssureSettings(http_host="127.0.0.1", auth_required=False))
    with pytest.raises(UnsafeSignIn, match="sign-in is switched off"):
        check_sign_in_is_safe(AssureSettings(http_host="0.0.0.0", auth_required=False))


def test_the_councils_identity_provider_may_listen_anywhere():
    check_sign_in_is_safe(AssureSettings(http_host="0.0.0.0", **IDP))


def test_one_line_says_which_sign_in_is_active():
    assert "development issuer on 127.0.0.1" in AssureSettings().describe_sign_in()
    assert AssureSettings(**IDP).describe_sign_in() == (
        "Sign-in: the council's identity provider https://login.example.org/")
    assert "off" in AssureSettings(auth_required=False).describe_sign_in()
    assert "assure token` only" in AssureSettings(dev_sign_in=False).describe_sign_in()


def test_trusted_proxies_must_be_addresses_or_networks():
    assert [str(n) for n in AssureSettings(
        trusted_proxies="10.0.0.5, 10.1.0.0/16").trusted_proxy_networks] == [
            "10.0.0.5/32", "10.1.0.0/16"]
    with pytest.raises(ValidationError, match="not an IP address or network"):
        AssureSettings(trusted_proxies="10.0.0.5, proxy.example")


# The real client ----------------------------------------------------------------------------


def request_from(peer: str, forwarded: str | None = None, trusted: str = "") -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    state = SimpleNamespace(trusted_proxies=AssureSettings(
        trusted_proxies=trusted).trusted_proxy_networks)
    return Request({"type": "http", "client": (peer, 50000), "headers": headers,
                    "app": SimpleNamespace(state=state)})


def test_a_forwarded_address_from_anyone_but_a_trusted_proxy_is_ignored():
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    assert client_address(request_from("127.0.0.1", "198.51.100.1")) == "127.0.0.1"


def test_through_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client():
    # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    forged = request_from("10.0.0.5", "1.2.3.4, 198.51.100.7", trusted="10.0.0.0/24")
    assert client_address(forged) == "198.51.100.7"
    chained = request_from("10.0.0.5", "198.51.100.7, 10.0.0.6", trusted="10.0.0.0/24")
    assert client_address(chained) == "198.51.100.7"


def test_development_sign_in_is_for_callers_on_this_machine_only():
    assert from_this_machine(request_from("127.0.0.1"))
    assert not from_this_machine(request_from("203.0.113.9"))
    # A proxy on this machine that is not a configured one makes anyone look local.
    assert not from_this_machine(request_from("127.0.0.1", "203.0.113.9"))
    assert not from_this_machine(request_from("127.0.0.1", "203.0.113.9", trusted="127.0.0.1"))
    assert from_this_machine(request_from("127.0.0.1", "127.0.0.1", trusted="127.0.0.1"))


# Dates within sane years --------------------------------------------------------------------


@pytest.mark.parametrize("written", ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
def test_a_date_outside_the_sane_years_is_refused_saying_which_are(written):
    with pytest.raises(ValidationError, match="from 1 January 2000 to 31 December 2099"):
        TypeAdapter(IsoDate).validate_python(written)
    with pytest.raises(ValidationError, match="from 1 January 2000 to 31 December 2099"):
        TypeAdapter(IsoDateTime).validate_python(f"{written}T10:00:00Z")


def test_the_first_and_last_sane_days_are_accepted():
    assert TypeAdapter(IsoDate).validate_python("2000-01-01") == EARLIEST
    assert TypeAdapter(IsoDate).validate_python("2099-12-31") == LATEST


# Each date or moment a route takes, its query or its body, with how it is checked.
def _dates(kind: typing.Any, where: str, checks: tuple = (), seen: set | None = None):
    seen = set() if seen is None else seen
    if typing.get_origin(kind) is typing.Annotated:
        inner, *more = typing.get_args(kind)
        yield from _dates(inner, where, (*checks, *more), seen)
    elif kind in (date, datetime):
        yield where, checks
    elif isinstance(kind, type) and issubclass(kind, BaseModel):
        if kind not in seen:
            seen.add(kind)
            for name, field in kind.model_fields.items():
                yield from _dates(field.annotation, f"{kind.__name__}.{name}",
                                  tuple(field.metadata), seen)
    else:
        for inner in typing.get_args(kind):
            yield from _dates(inner, where, checks, seen)


def _routes(routes: list[typing.Any]):
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def test_every_date_a_client_gives_is_checked_for_sane_years():
    found = {}
    for route in _routes([*(r for s in ALL for r in s.router.routes),
                           *reports_router.routes]):
        params = route.dependant.query_params + route.dependant.path_params
        for param in params:
            found.update(_dates(param.field_info.annotation, f"{route.path}?{param.name}",
                                tuple(param.field_info.metadata)))
        if route.body_field is not None:
            found.update(_dates(route.body_field.field_info.annotation, route.path))
    assert len(found) > 20
    unchecked = [where for where, checks in found.items()
                 if not any(getattr(c, "func", None) is within_sane_years for c in checks)]
    assert unchecked == []


PLACEHOLDER_KEY = "A" * 43 + "="  # 32 zero bytes, base64


def test_every_deployment_listening_beyond_loopback_names_an_identity_provider():
    from tests.unit.test_deploy_manifests import compose_assure_env, k8s_settings

    for env in (compose_assure_env(), k8s_settings()):
        # A secret the deployment must be given stands for itself: "x", or a key's shape.
        given = {key.removeprefix("ASSURE_").lower(): re.sub(
            r"\$\{\w+:\?[^}]*\}", PLACEHOLDER_KEY if "CIPHER" in key else "x", value)
            for key, value in env.items() if key.startswith("ASSURE_")}
        check_sign_in_is_safe(AssureSettings(**{
            k: v for k, v in given.items() if k in AssureSettings.model_fields}))
