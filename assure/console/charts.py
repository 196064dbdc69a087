"""Charts drawn on the server as SVG: no script, readable by a screen reader through their
title and description, and always shown beside a table of the same figures (WCAG 1.1.1)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56


@dataclass(frozen=True)
class Point:
    label: str  # along the bottom: a date, a band, a service type
    value: Decimal | float | int


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / span)


def _frame(title: str, description: str, low: float, high: float, ticks: int) -> list[str]:
    parts = [f'<svg class="assure-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{_id(title)}-t {_id(title)}-d" focusable="false">',
             f'<title id="{_id(title)}-t">{escape(title)}</title>',
             f'<desc id="{_id(title)}-d">{escape(description)}</desc>']
    for step in range(ticks + 1):
        value = low + (high - low) * step / ticks
        y = _y(value, low, high)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 5:.1f}" text-anchor="end">'
                     f'{value:g}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
                 f'y2="{HEIGHT - BOTTOM}"/>')
    return parts


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + inner * (index + 0.5) / max(count, 1)


def line(title: str, points: list[Point], low: float = 0, high: float = 100,
         unit: str = "%") -> str:
    """A line through the points in order, e.g. a provider's risk score over its returns."""
    values = ", ".join(f"{p.label}: {p.value}{unit}" for p in points) or "no figures yet"
    parts = _frame(title, f"{title}. {values}.", low, high, 4)
    xy = [(_x(i, len(points)), _y(float(p.value), low, high)) for i, p in enumerate(points)]
    if len(xy) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline class="line" points="{path}"/>')
    for (x, y), point in zip(xy, points, strict=True):
        parts.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="5"/>')
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle">'
                     f'{escape(point.label)}</text>')
    return "".join(parts) + "</svg>"


def bars(title: str, points: list[Point], unit: str = "", high: float | None = None) -> str:
    """One bar a category, e.g. providers in each risk-score band; `high` fixes the top of the
    scale (100 for percentages)."""
    if high is None:
        high = max([float(p.value) for p in points] + [1.0])
        high = float(int(high) + (4 - int(high) % 4)) if high > 4 else 4.0
    values = ", ".join(f"{p.label}: {p.value}{unit}" for p in points) or "no figures"
    parts = _frame(title, f"{title}. {values}.", 0, high, 4)
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    for i, point in enumerate(points):
        x, top = _x(i, len(points)), _y(float(point.value), 0, high)
        parts.append(f'<rect class="bar" x="{x - slot * 0.3:.1f}" y="{top:.1f}" '
                     f'width="{slot * 0.6:.1f}" height="{HEIGHT - BOTTOM - top:.1f}"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 6:.1f}" text-anchor="middle">'
                     f'{point.value}{unit}</text>')
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle">'
                     f'{escape(point.label)}</text>')
    return "".join(parts) + "</svg>"
