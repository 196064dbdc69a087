"""Pages in the GOV.UK Design System: its Jinja port's macros and our templates, with the
filters a UK officer expects (23 November 2026, £250,000.00)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from assure.console import csrf, organisations, tables
from assure.console.navigation import ROLE_NAMES, navigation
from assure.console.session import FLASH, Visitor

HERE = Path(__file__).parent


def uk_date(value: Any) -> str:
    """23 November 2026, from a date, a moment or their ISO text; blank stays blank."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else \
                date.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value: Any) -> str:
    """23 November 2026, 4:05pm, in the server's own zone."""
    if value in (None, ""):
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    hour = moment.hour % 12 or 12
    return f"{uk_date(moment)}, {hour}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}"


def money(value: Any) -> str:
    try:
        return f"£{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value or "")


def percent(value: Any) -> str:
    if value in (None, ""):
        return "not scored"
    return f"{Decimal(str(value)).normalize():f}%"


def points(change: Any) -> str:
    """A change of score in words: "up 5 points", "down 12.5 points", "no change"."""
    value = Decimal(str(change))
    if not value:
        return "no change"
    size = f"{abs(value).normalize():f}"
    return f"{'up' if value > 0 else 'down'} {size} {'point' if size == '1' else 'points'}"


def times(count: Any) -> str:
    """How often something happened: "once", "twice", "3 times"."""
    number = int(count or 0)
    return {1: "once", 2: "twice"}.get(number, f"{number} times")


def humanise(value: Any) -> str:
    """care-home → Care home; safety_and_quality → Safety and quality."""
    text = str(value or "").replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


BAND_COLOURS = {"100%": "green", "75-99%": "turquoise", "50-74%": "yellow", "below 50%": "red"}
LEVEL_COLOURS = {"encourage": "blue", "enable": "yellow", "enforce": "red", "low": "green",
                 "medium": "yellow", "high": "orange", "very high": "red", "critical": "red"}


def tag_colour(value: Any) -> str:
    text = str(value or "").lower().replace("–", "-")
    return BAND_COLOURS.get(text) or LEVEL_COLOURS.get(text, "grey")


def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(HERE / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        extensions=[csrf.TokenInPostForms, tables.ScrollingTables],
        # Templates are read once: checking every template's file (and each GOV.UK macro's,
        # imported many times a page) for changes at every use took a tenth of a page's
        # rendering (bench.console_paint). A changed template takes a restart.
        auto_reload=False,
    )
    env.filters.update(uk_date=uk_date, uk_datetime=uk_datetime, money=money, percent=percent,
                       points=points, humanise=humanise, tag_colour=tag_colour, times=times)
    env.globals.update(navigation=navigation, role_name=ROLE_NAMES.get,
                       organisation=organisations.organisation,
                       csrf_field=csrf.csrf_field)
    return env


TEMPLATES = Jinja2Templates(env=environment())


def render(request: Request, template: str, who: Visitor | None = None, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A page, with the person signed in and any message left by the last change."""
    flash = request.cookies.get(FLASH)
    csrf.rendering(request)
    response = TEMPLATES.TemplateResponse(
        request, template, {"visitor": who, "flash": unquote(flash) if flash else None,
                            "path": request.url.path, **context}, status_code=status)
    if flash:
        response.delete_cookie(FLASH, path="/console")
    csrf.keep(request, response)
    return response
