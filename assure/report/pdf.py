"""The governance report as a PDF a committee can file (fpdf2, pure Python)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assure.report.governance import GovernanceReport, ServiceTypeReport, Share
from assure.report.layout import TITLE, Bar, count_bars, percent_text, return_rows, share_bars
from shared.uk import long_date

if TYPE_CHECKING:
    from fpdf import FPDF

BLUE = (0, 90, 140)
GREY = (243, 242, 241)
# The core PDF fonts are Latin-1; these are the characters outside it our text may hold.
_PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def to_pdf(report: GovernanceReport) -> bytes:
    from fpdf import FPDF  # here, when a PDF is asked for: not on every start of `assure up`

    pdf = FPDF(format="A4")
    pdf.set_title(f"{TITLE}: {report.period}")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    as_at = f"; as at {long_date(report.as_at)}" if report.as_at else ""
    _line(pdf, f"Period: {report.period}{as_at}.")
    if not report.sections:
        _line(pdf, "No contracts were live in this period.")
    for section in report.sections:
        _section(pdf, section)
    pdf.set_font("Helvetica", "I", 8)
    for note in report.notes:
        pdf.multi_cell(0, 4, _latin(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _section(pdf: FPDF, section: ServiceTypeReport) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_text_color(*BLUE)
    _line(pdf, section.label, height=9)
    pdf.set_text_color(0, 0, 0)
    _heading(pdf, "Returns")
    _table(pdf, ("", "Number"), [(label, str(value)) for label, value in return_rows(section)])
    _heading(pdf, "Compliance")
    _table(pdf, ("Indicator", "%", "Yes", "Of"), _share_rows(section.compliance))
    _bars(pdf, share_bars(section.compliance))
    _heading(pdf, "Risk score results (the higher the score, the lower the risk)")
    rows = [(band, str(count)) for band, count in section.bands]
    _table(pdf, ("Risk score achieved", "Number of provider partners"),
           [*rows, ("Total", str(section.band_total))])
    _bars(pdf, count_bars(section.bands))
    _heading(pdf, "Intelligence")
    _table(pdf, ("Indicator", "%", "Yes", "Of"), _share_rows(section.intelligence))
    _bars(pdf, share_bars(section.intelligence))
    _heading(pdf, "Interventions and escalations")
    _table(pdf, ("", "Number"), [
        *((f"Interventions open at the end: {level}", str(count))
          for level, count in section.interventions_open),
        ("Escalations raised in the period", str(section.escalations_raised)),
        ("Escalations approved in the period", str(section.escalations_approved)),
    ])


def _share_rows(shares: tuple[Share, ...]) -> list[tuple[str, ...]]:
    return [(s.wording, percent_text(s.percent), str(s.yes), str(s.of)) for s in shares]


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    _line(pdf, text, height=7)
    pdf.set_font("Helvetica", size=9)


def _table(pdf: FPDF, headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = (120, 60) if len(headings) == 2 else (130, 18, 16, 16)
    with pdf.table(col_widths=widths, text_align=("LEFT", *["RIGHT"] * (len(widths) - 1)),
                   line_height=5, width=sum(widths), align="LEFT") as table:
        for row in (headings, *rows):
            cells = table.row()
            for value in row:
                cells.cell(_latin(value))


def _bars(pdf: FPDF, bars: list[Bar]) -> None:
    pdf.ln(1)
    pdf.set_font("Helvetica", size=8)
    for bar in bars:
        if pdf.will_page_break(5):
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        pdf.set_xy(x, y)
        pdf.cell(60, 4, _latin(bar.label))
        pdf.set_fill_color(*GREY)
        pdf.rect(x + 60, y, 90, 3.5, style="F")
        pdf.set_fill_color(*BLUE)
        if bar.fraction:
            pdf.rect(x + 60, y, 90 * bar.fraction, 3.5, style="F")
        pdf.set_xy(x + 152, y)
        pdf.cell(20, 4, bar.text)
        pdf.set_y(y + 5)
    pdf.set_font("Helvetica", size=9)


def _line(pdf: FPDF, text: str, height: float = 6) -> None:
    pdf.multi_cell(0, height, _latin(text), new_x="LMARGIN", new_y="NEXT")


def _latin(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")
