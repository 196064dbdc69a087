"""The governance report as one self-contained HTML page, its bar charts inline SVG (Jinja2)."""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined

from assure.report.governance import GovernanceReport
from assure.report.layout import (
    BAR_WIDTH,
    TITLE,
    count_bars,
    percent_text,
    return_rows,
    share_bars,
)
from shared.uk import long_date

# Kept in Python rather than a template file so that it ships in any install of the package.
TEMPLATE = """{% macro shares(items) %}<table>
<tr><th>Indicator</th><th>Providers</th><th>Saying yes</th></tr>
{% for i in items %}<tr><td>{{ percent_text(i.percent) }} {{ i.wording }}</td>
<td class="n">{{ i.of }}</td><td class="n">{{ i.yes }}</td></tr>{% endfor %}</table>
{% endmacro %}
{% macro chart(bars, caption) %}<figure><svg xmlns="http://www.w3.org/2000/svg" role="img"
 width="{{ 260 + bar_width + 60 }}" height="{{ bars | length * 24 + 8 }}"
 aria-label="{{ caption }}"><title>{{ caption }}</title>
{% for b in bars %}{% set y = loop.index0 * 24 + 4 %}
<text x="0" y="{{ y + 14 }}" font-size="12">{{ b.label }}</text>
<rect x="260" y="{{ y }}" width="{{ bar_width }}" height="18" fill="#f3f2f1"/>
<rect x="260" y="{{ y }}" width="{{ b.width }}" height="18" fill="#005a8c"/>
<text x="{{ 266 + bar_width }}" y="{{ y + 14 }}" font-size="12">{{ b.text }}</text>
{% endfor %}</svg><figcaption class="note">{{ caption }}</figcaption></figure>
{% endmacro %}
<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ title }}: {{ period }}</title>
<style>
body { font-family: Arial, Helvetica, sans-serif; margin: 2em; color: #1b1b1b; max-width: 60em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 2px solid #005a8c; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #b1b4b6; padding: .25em .6em; text-align: left; }
td.n { text-align: right; } .note { color: #505a5f; font-size: .9em; }
.scorecard { display: grid; grid-template-columns: repeat(auto-fit, minmax(26em, 1fr));
  gap: 0 2em; }
</style></head><body>
<h1>{{ title }}</h1>
<p>Period: <strong>{{ period }}</strong>{% if as_at %}; as at {{ as_at }}{% endif %}.</p>
{% if not report.sections %}<p>No contracts were live in this period.</p>{% endif %}
{% for s in report.sections %}
<section><h2>{{ s.label }}</h2>
<div class="scorecard"><div>
<h3>Returns</h3>
<table>{% for label, value in return_rows(s) %}
<tr><td>{{ label }}</td><td class="n">{{ value }}</td></tr>{% endfor %}</table>
</div><div>
<h3>Risk score results</h3>
<p class="note">The higher the risk score, the lower the risk.</p>
<table><tr><th>Risk score achieved</th><th>Number of provider partners</th></tr>
{% for band, count in s.bands %}<tr><td>{{ band }}</td><td class="n">{{ count }}</td></tr>
{% endfor %}<tr><th>Total</th><th class="n">{{ s.band_total }}</th></tr></table>
{{ chart(count_bars(s.bands), "Providers in each risk score band") }}
</div></div>
<h3>Compliance</h3>
<p class="note">Of the {{ s.returns.returned }} provider partners who returned a form:</p>
{{ shares(s.compliance) }}
{{ chart(share_bars(s.compliance), "Compliance indicators, percentage of providers") }}
<h3>Intelligence</h3>
{{ shares(s.intelligence) }}
{{ chart(share_bars(s.intelligence), "Intelligence indicators, percentage of providers") }}
<h3>Interventions and escalations</h3>
<table><tr><th>Interventions open at the end of the period</th><th>Number</th></tr>
{% for level, count in s.interventions_open %}
<tr><td>{{ level | capitalize }}</td><td class="n">{{ count }}</td></tr>{% endfor %}
<tr><td>Escalations raised in the period</td><td class="n">{{ s.escalations_raised }}</td></tr>
<tr><td>Escalations approved in the period</td><td class="n">{{ s.escalations_approved }}</td>
</tr></table>
</section>
{% endfor %}
{% for note in report.notes %}<p class="note">{{ note }}</p>{% endfor %}
</body></html>
"""

_ENVIRONMENT = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
_TEMPLATE = _ENVIRONMENT.from_string(TEMPLATE)


def to_html(report: GovernanceReport) -> str:
    """The report as a page a committee paper can carry: tables with bar charts."""
    return _TEMPLATE.render(
        report=report, title=TITLE, period=str(report.period),
        as_at=long_date(report.as_at) if report.as_at else None, bar_width=BAR_WIDTH,
        return_rows=return_rows, share_bars=share_bars, count_bars=count_bars,
        percent_text=percent_text,
    )
