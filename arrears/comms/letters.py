"""A letter as a PDF: letterhead, date, recipient, subject, body with amount tables, page numbers, reference.

The text arrives rendered (``Outgoing.subject`` and ``Outgoing.body``); this module only lays it out.
Latin text is set in Times-Roman (one of the 14 fonts every PDF reader and printer has) and
everything Times cannot encode — Chinese, full-width punctuation — in reportlab's built-in
``STSong-Light`` CID font, which needs no font file. The same input gives the same bytes: the PDF is written in reportlab's
invariant mode and dated the day the letter bears.

The body is plain text: paragraphs are separated by blank lines, a single line break stays a line
break, and lines starting with ``|`` are table rows — ``| 本金 | 10,000.00`` — whose first cell is a
label and whose other cells are set right-aligned; a row of dashes (``| --- | --- |``) draws a rule
above the row that follows it (under a heading row, above a total). See ``docs/communications.md``.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from django.utils import dateformat, translation
from django.utils.translation import gettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from arrears.comms.gateways.base import Outgoing

CJK_FONT = "STSong-Light"
LATIN_FONT = "Times-Roman"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))

MARGIN = 22 * mm
FOOTER_Y = 12 * mm
FOOTER_SIZE = 8

HEADER_LETTERHEAD_NAME = "X-Letterhead"
HEADER_LETTERHEAD_LINES = "X-Letterhead-Lines"
HEADER_RECIPIENT_NAME = "X-Recipient-Name"
HEADER_RECIPIENT_ADDRESS = "X-Recipient-Address"
HEADER_REFERENCE = "X-Reference"
HEADER_TRACKING_NUMBER = "X-Tracking-Number"


@dataclass(frozen=True)
class Letterhead:
    """Who writes: the creditor's name, then its address and contact lines, one per line."""

    creditor_name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextBlock:
    """A paragraph of the body; its lines keep their breaks."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class TableRow:
    """One ``| label | amount`` row; ``ruled`` draws a line above it."""

    cells: tuple[str, ...]
    ruled: bool = False


@dataclass(frozen=True)
class TableBlock:
    """Consecutive table rows of the body."""

    rows: tuple[TableRow, ...] = field(default_factory=tuple)


Block = TextBlock | TableBlock


def letterhead_from_headers(headers: Mapping[str, str]) -> Letterhead:
    """Return the letterhead ``X-Letterhead`` and ``X-Letterhead-Lines`` describe (empty name when absent)."""
    return Letterhead(
        creditor_name=headers.get(HEADER_LETTERHEAD_NAME, "").strip(),
        lines=_lines_of(headers.get(HEADER_LETTERHEAD_LINES, "")),
    )


def sha256_of(pdf: bytes) -> str:
    """Return the SHA-256 of a PDF as 64 lowercase hex digits."""
    return hashlib.sha256(pdf).hexdigest()


def render_letter_pdf(outgoing: Outgoing, *, letterhead: Letterhead, sent_on: date) -> bytes:
    """Lay out one letter on A4 pages in the letter's language and return the PDF.

    Same outgoing, letterhead and date give the same bytes.
    """
    with translation.override(outgoing.language):
        labels = _Labels.in_active_language()
        story = _story(outgoing, letterhead=letterhead, labels=labels, sent_on=sent_on)
        footer = _Footer(
            reference=labels.reference(outgoing.headers.get(HEADER_REFERENCE) or str(outgoing.message_id)),
            page_label=labels.page_template,
            creation_date=f"D:{sent_on:%Y%m%d}000000+00'00'",
        )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=18 * mm,
        bottomMargin=MARGIN,
        invariant=1,
        title=outgoing.subject,
        author=letterhead.creditor_name,
        creator="Arrears",
        lang="zh-CN" if _is_chinese(outgoing.language) else "en",
    )
    document.build(story, canvasmaker=lambda *args, **kwargs: _FooterCanvas(*args, footer=footer, **kwargs))
    return buffer.getvalue()


def parse_body(body: str) -> list[Block]:
    """Split a plain-text body into paragraphs and tables (see the module docstring)."""
    blocks: list[Block] = []
    current: list[str] = []
    for line in [*body.replace("\r\n", "\n").split("\n"), ""]:
        stripped = line.rstrip()
        is_row = stripped.lstrip().startswith("|")
        if current and (not stripped or is_row != current[0].lstrip().startswith("|")):
            blocks.append(_block_of(current))
            current = []
        if stripped:
            current.append(stripped)
    return blocks


def _block_of(lines: list[str]) -> Block:
    if not lines[0].lstrip().startswith("|"):
        return TextBlock(lines=tuple(lines))
    rows: list[TableRow] = []
    ruled = False
    for line in lines:
        cells = tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
        if all(cell and set(cell) <= set("-: ") for cell in cells):
            ruled = True
            continue
        rows.append(TableRow(cells=cells, ruled=ruled))
        ruled = False
    return TableBlock(rows=tuple(rows))


def _lines_of(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())


def _runs(text: str) -> list[tuple[str, str]]:
    """Split text into (font, run): what Times-Roman can encode, and the rest for the CJK font."""
    return [(font, "".join(chars)) for font, chars in groupby(text, key=_font_for)]


def _font_for(char: str) -> str:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return CJK_FONT
    return LATIN_FONT


def _markup(text: str) -> str:
    """Escape text for a paragraph, the runs Times cannot set wrapped in the CJK font."""
    return "".join(
        escape(run) if font == LATIN_FONT else f'<font face="{font}">{escape(run)}</font>'
        for font, run in _runs(text)
    )


def _is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


@dataclass(frozen=True)
class _Labels:
    """The words a letter prints around its text, in the active language."""

    date_format: str
    page_template: str
    reference_template: str
    registered_mail_template: str

    @classmethod
    def in_active_language(cls) -> _Labels:
        return cls(
            # Translators: a date format (Django's "date" filter codes) for the date a letter bears.
            date_format=gettext("j F Y"),
            page_template=gettext("Page %(page)d of %(pages)d"),
            reference_template=gettext("Ref. %(reference)s"),
            registered_mail_template=gettext("By registered mail %(number)s"),
        )

    def date(self, value: date) -> str:
        return dateformat.format(value, self.date_format)

    def reference(self, reference: str) -> str:
        return self.reference_template % {"reference": reference}


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=LATIN_FONT, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=7
    )
    return {
        "body": base,
        "creditor": ParagraphStyle("creditor", parent=base, fontSize=16, leading=20, spaceAfter=2),
        "letterhead": ParagraphStyle("letterhead", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "date": ParagraphStyle("date", parent=base, alignment=TA_RIGHT, spaceBefore=8, spaceAfter=10),
        "recipient": ParagraphStyle("recipient", parent=base, spaceAfter=0),
        "registered": ParagraphStyle("registered", parent=base, fontSize=9, spaceBefore=4, spaceAfter=0),
        "subject": ParagraphStyle(
            "subject", parent=base, fontSize=13, leading=18, spaceBefore=14, spaceAfter=10
        ),
        "cell": ParagraphStyle("cell", parent=base, spaceAfter=0),
        "amount": ParagraphStyle("amount", parent=base, alignment=TA_RIGHT, spaceAfter=0),
    }


def _story(outgoing: Outgoing, *, letterhead: Letterhead, labels: _Labels, sent_on: date) -> list[Flowable]:
    styles = _styles()
    headers = outgoing.headers
    story: list[Flowable] = [Paragraph(_markup(letterhead.creditor_name), styles["creditor"])]
    story += [Paragraph(_markup(line), styles["letterhead"]) for line in letterhead.lines]
    story += [
        HRFlowable(width="100%", thickness=0.8, color=colors.black, spaceBefore=4, spaceAfter=2),
        Paragraph(_markup(labels.date(sent_on)), styles["date"]),
    ]
    recipient = [headers.get(HEADER_RECIPIENT_NAME, "").strip()]
    recipient += _lines_of(headers.get(HEADER_RECIPIENT_ADDRESS) or outgoing.to)
    story += [Paragraph(_markup(line), styles["recipient"]) for line in recipient if line]
    tracking_number = headers.get(HEADER_TRACKING_NUMBER, "").strip()
    if tracking_number:
        text = labels.registered_mail_template % {"number": tracking_number}
        story.append(Paragraph(_markup(text), styles["registered"]))
    if outgoing.subject.strip():
        story.append(Paragraph(f"<u>{_markup(outgoing.subject.strip())}</u>", styles["subject"]))
    else:
        story.append(Spacer(1, 10))
    story += [_flowable_of(block, styles) for block in parse_body(outgoing.body)]
    return story


def _flowable_of(block: Block, styles: dict[str, ParagraphStyle]) -> Flowable:
    if isinstance(block, TextBlock):
        return Paragraph("<br/>".join(_markup(line) for line in block.lines), styles["body"])
    columns = max(len(row.cells) for row in block.rows)
    width = A4[0] - 2 * MARGIN
    other_width = min(38 * mm, width * 0.4 / max(columns - 1, 1))
    column_widths = [width - other_width * (columns - 1)] + [other_width] * (columns - 1)
    data = [
        [
            Paragraph(_markup(cell), styles["cell" if index == 0 else "amount"])
            for index, cell in enumerate(row.cells + ("",) * (columns - len(row.cells)))
        ]
        for row in block.rows
    ]
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    commands += [
        ("LINEABOVE", (0, index), (-1, index), 0.6, colors.black)
        for index, row in enumerate(block.rows)
        if row.ruled
    ]
    table = Table(data, colWidths=column_widths, style=TableStyle(commands), hAlign="LEFT")
    table.spaceAfter = 8
    return table


@dataclass(frozen=True)
class _Footer:
    reference: str
    page_label: str
    creation_date: str


class _FooterCanvas(Canvas):
    """A canvas that holds its pages back until it knows how many there are, then draws each footer."""

    def __init__(self, *args: Any, footer: _Footer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held_pages: list[dict[str, Any]] = []
        self.setDateFormatter(lambda *_: footer.creation_date)

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw every held page with its footer, then write the file."""
        pages = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(page=number, pages=pages)
            super().showPage()
        super().save()

    def _draw_footer(self, *, page: int, pages: int) -> None:
        width = self._pagesize[0]
        self.saveState()
        self.setStrokeColor(colors.grey)
        self.setLineWidth(0.4)
        self.line(MARGIN, FOOTER_Y + 10, width - MARGIN, FOOTER_Y + 10)
        self._draw_runs(MARGIN, self._footer.reference)
        label = self._footer.page_label % {"page": page, "pages": pages}
        self._draw_runs(width - MARGIN - _width_of(label, FOOTER_SIZE), label)
        self.restoreState()

    def _draw_runs(self, x: float, text: str) -> None:
        # One text object for the whole line, so that a reader extracts it as one line.
        line = self.beginText(x, FOOTER_Y)
        for font, run in _runs(text):
            line.setFont(font, FOOTER_SIZE)
            line.textOut(run)
        self.drawText(line)


def _width_of(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in _runs(text))
