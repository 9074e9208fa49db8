"""The deck's building blocks: page geometry, colours, text that fits its box, tables and axis styling.

Shared by the text slides (`kpi.exports.pptx`) and the chart slides (`kpi.exports.pptx_charts`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from kpi.report import narrative as words
from kpi.report.build import Report
from kpi.report.significance import is_significant, samples_of
from kpi.report.update import PALETTE, Headline, InvestorUpdate, shift_of
from kpi.text import clean_text

FONT = "Arial"  # metric-compatible with Liberation Sans where Arial is missing: same line breaks
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = 0.6  # inches
CONTENT_TOP = 1.55
CONTENT_BOTTOM = 6.85
COHORTS_SHOWN = 12
AGES_SHOWN = 12
TILE_KEYS = ("mrr", "net_new_mrr", "logo_churn_rate", "nrr_12m")


def rgb(name: str) -> RGBColor:
    return RGBColor.from_string(PALETTE.get(name, name))


# ── text fitting ─────────────────────────────────────────────────────────────────────────


def lines_needed(text: str, width_in: float, size_pt: float) -> int:
    """Lines a text takes in a box `width_in` wide (Arial's average character ≈ 0.5 em)."""
    per_line = max(1, int(width_in * 72 / (size_pt * 0.5)))
    return sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))


def fit_text(text: str, width_in: float, height_in: float, sizes: tuple[int, ...] = (18, 16, 14, 13, 12, 11),
             spacing: float = 1.25) -> tuple[int, str]:
    """The largest font size at which `text` fits the box, and the text (cut with '…' when it
    does not fit even at the smallest size)."""
    for size in sizes:
        if lines_needed(text, width_in, size) * size * spacing / 72 <= height_in:
            return size, text
    size = sizes[-1]
    max_lines = max(1, int(height_in * 72 / (size * spacing)))
    per_line = max(1, int(width_in * 72 / (size * 0.5)))
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        need = max(1, math.ceil(len(line) / per_line))
        if used + need > max_lines:
            room = (max_lines - used) * per_line - 1
            if room > 0:
                cut = line[:room]
                if " " in cut[-20:]:  # end on a whole word
                    cut = cut.rsplit(" ", 1)[0]
                kept.append(cut.rstrip() + "…")
            elif kept:
                kept[-1] = kept[-1][: max(0, len(kept[-1]) - 1)].rstrip() + "…"
            break
        kept.append(line)
        used += need
    return size, "\n".join(kept)


# ── the deck ─────────────────────────────────────────────────────────────────────────────


class Deck:
    def __init__(self, update: InvestorUpdate, report: Report):
        self.update = update
        self.report = report
        self.words = words.labels(update.language)
        self.numbers = update.numbers
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        self.blank = self.prs.slide_layouts[6]
        props = self.prs.core_properties
        when = dt.datetime(update.as_of.year, update.as_of.month, 1)
        props.title = clean_text(update.title)
        props.subject = self.words["kicker"]
        props.author = clean_text(update.company) or "KPI workbench"
        props.last_modified_by = "KPI workbench"
        props.created = props.modified = when
        props.revision = 1
        props.language = "fr-FR" if update.language == "fr" else "en-US"

    def tone(self, h: Headline) -> bool | None:
        """Whether a headline's change is good news (True, green), bad news (False, red) or neither (None,
        grey): its own `better`, unless the change is not significant — zero as displayed, or an NPS /
        CSAT change inside the 95 % margin of the difference between the two months' answers."""
        if h.better is None:
            return None
        as_of = self.report.as_of  # NPS and CSAT are read at as_of and `shift` months earlier (Report.metric)
        months = (as_of, as_of - shift_of(self.update.period, self.update.compare))
        samples = samples_of(self.report, h.key, months)
        significant = is_significant(h.key, h.value, h.comparison, shown=h.change_text, samples=samples)
        return h.better if significant else None

    # ── primitives
    def text(self, slide, x: float, y: float, w: float, h: float, text: str, size: float = 14, *,
             bold: bool = False, color: str = "ink", align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP,
             spacing: float | None = None, list_items: bool = False):
        """A text box, one paragraph per line; with `list_items`, a line starting with '- ', '* '
        or '• ' (how founders type lists) becomes a bulleted paragraph."""
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        frame.vertical_anchor = anchor
        for i, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.alignment = align
            if spacing:
                paragraph.line_spacing = spacing
            if list_items and line.lstrip().startswith(("- ", "* ", "• ")):
                line = line.lstrip()[2:]
                _bullet(paragraph, "•", PALETTE["mrr"], indent_in=size / 72 * 1.1)
            self._run(paragraph, line, size, bold=bold, color=color)
        return box

    def _run(self, paragraph, text: str, size: float, *, bold: bool = False, color: str = "ink"):
        run = paragraph.add_run()
        run.text = text
        font = run.font
        font.name = FONT
        font.size = Pt(size)
        font.bold = bold
        font.color.rgb = rgb(color)
        return run

    def rect(self, slide, x: float, y: float, w: float, h: float, fill: str, *, rounded: bool = False):
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE if rounded else MSO_SHAPE.RECTANGLE,
                                       Inches(x), Inches(y), Inches(w), Inches(h))
        shape.fill.solid()
        shape.fill.fore_color.rgb = rgb(fill)
        shape.line.fill.background()
        shape.shadow.inherit = False
        effect = shape._element.find(".//" + qn("a:effectRef"))
        if effect is not None:  # LibreOffice draws the theme's shadow despite the empty effect list
            effect.set("idx", "0")
        if rounded:
            shape.adjustments[0] = 0.06
        return shape

    def bullets(self, slide, x: float, y: float, w: float, h: float, items: list[str], color: str,
                sizes: tuple[int, ...] = (16, 15, 14, 13, 12)):
        """A list with coloured bullets, fitted to the box."""
        size, text = fit_text("\n".join(items), w - 0.3, h, sizes, spacing=1.45)
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        for i, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.space_after = Pt(size * 0.45)
            _bullet(paragraph, "•", PALETTE[color], indent_in=0.28)
            self._run(paragraph, line, size)
        return box

    def slide(self, title: str | None = None, *, dark: bool = False):
        slide = self.prs.slides.add_slide(self.blank)
        if dark:
            slide.background.fill.solid()
            slide.background.fill.fore_color.rgb = rgb("navy")
            return slide
        self.rect(slide, 0, 0, 13.333, 0.12, "mrr")
        kicker = f"{self.words['kicker']} · {self.update.period_label}".upper()
        self.text(slide, MARGIN, 0.38, 12.1, 0.3, kicker, 10, bold=True, color="muted")
        if title:
            self.text(slide, MARGIN, 0.62, 12.1, 0.7, title, 28, bold=True, color="navy")
        number = len(self.prs.slides)
        footer = " · ".join(p for p in (self.update.company, self.update.title) if p)
        self.rect(slide, MARGIN, 7.0, 12.133, 0.01, "line")
        size, footer = fit_text(footer, 10.5, 0.25, (9,))
        self.text(slide, MARGIN, 7.07, 10.5, 0.25, footer, size, color="muted")
        self.text(slide, 11.733, 7.07, 1.0, 0.25, str(number), 9, color="muted", align=PP_ALIGN.RIGHT)
        return slide

    def note(self, slide, text: str, y: float = 6.55):
        size, text = fit_text(text, 12.1, 0.4, (12, 11, 10))
        self.text(slide, MARGIN, y, 12.1, 0.4, text, size, color="muted")


def _bullet(paragraph, char: str, color: str, indent_in: float) -> None:
    """A hanging bullet in `color` (python-pptx has no API for bullets of a text box)."""
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.set("marL", str(Emu(Inches(indent_in))))
    p_pr.set("indent", str(-Emu(Inches(indent_in))))
    for tag in ("a:buClr", "a:buFont", "a:buChar", "a:buNone"):
        for old in p_pr.findall(qn(tag)):
            p_pr.remove(old)
    colour = etree.SubElement(p_pr, qn("a:buClr"))
    etree.SubElement(colour, qn("a:srgbClr")).set("val", color)
    etree.SubElement(p_pr, qn("a:buFont")).set("typeface", FONT)
    etree.SubElement(p_pr, qn("a:buChar")).set("char", char)


def style_axis_text(axis, size: int = 11) -> None:
    axis.tick_labels.font.size = Pt(size)
    axis.tick_labels.font.name = FONT
    axis.tick_labels.font.color.rgb = rgb("muted")


def no_line(axis) -> None:
    axis.format.line.fill.background()


def gridlines(axis) -> None:
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = rgb("line")
    axis.major_gridlines.format.line.width = Pt(0.75)


def date_axis_step(axis, months: int) -> None:
    """One label every `months` months on a date axis (c:majorUnit / c:majorTimeUnit), no rotation."""
    ax = axis._element
    for tag in ("c:baseTimeUnit", "c:majorUnit", "c:majorTimeUnit", "c:minorUnit", "c:minorTimeUnit"):
        for old in ax.findall(qn(tag)):
            ax.remove(old)
    anchor = ax.find(qn("c:lblOffset"))
    for tag, value in (("c:baseTimeUnit", "months"), ("c:majorUnit", str(months)), ("c:majorTimeUnit", "months")):
        element = etree.Element(qn(tag))
        element.set("val", value)
        anchor.addnext(element)
        anchor = element
    body = ax.find(qn("c:txPr")).find(qn("a:bodyPr"))
    body.set("rot", "0")
    body.set("vert", "horz")


def label_point(point, text: str, size: int, color: str, *, bold: bool = True, position=None) -> None:
    label = point.data_label
    label.font.name = FONT
    label.font.size = Pt(size)
    label.font.bold = bold
    label.font.color.rgb = rgb(color)
    frame = label.text_frame
    frame.text = text
    for run in frame.paragraphs[0].runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT
        run.font.color.rgb = rgb(color)
    if position is not None:
        label.position = position


TABLE_EM = 0.62  # a character's width in em in a table cell: bold digits, or DejaVu Sans standing in for Arial
CELL_PADDING = 0.2  # inches: left + right margins of a cell (write_cell)
LINE = 1.2  # line height as a multiple of the font size
ROW_PADDING = 0.12  # inches: top + bottom margins of a cell and the office suite's own spacing


@dataclass(frozen=True)
class TableFit:
    """A table's font size and its row heights (inches): the header's, and every other row's."""

    size: int
    header_height: float
    row_height: float

    def height(self, rows: int) -> float:
        return self.header_height + rows * self.row_height


def cell_lines(text: str, width_in: float, size: float) -> int:
    """Lines a cell's text takes in a column `width_in` wide, counted wide (`TABLE_EM`): a
    renderer with a wider font than Arial must not wrap a row we counted on one line."""
    per_line = max(1, int((width_in - CELL_PADDING) * 72 / (size * TABLE_EM)))
    return sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))


def fit_table(header: list[str], rows: list[list[str]], widths: list[float], height_in: float,
              sizes: tuple[int, ...] = (13, 12, 11, 10), most_row: float = 0.34) -> TableFit:
    """The largest font size at which every body cell holds on one line of its column and the
    whole table — header (which may wrap) and rows — fits `height_in`; rows are then as tall as
    the room allows, up to `most_row` inches. At the smallest size the rows just share the room.

        row needs     = size × LINE ÷ 72 + ROW_PADDING
        header needs  = (most lines of a header cell) × size × LINE ÷ 72 + ROW_PADDING
    """
    for size in sizes:
        line = size * LINE / 72
        header_lines = max(cell_lines(text, width, size) for text, width in zip(header, widths, strict=True))
        header_height = header_lines * line + ROW_PADDING
        one_line = all(cell_lines(text, width, size) == 1
                       for row in rows for text, width in zip(row, widths, strict=True))
        if one_line and header_height + len(rows) * (line + ROW_PADDING) <= height_in:
            even = min(most_row, height_in / (len(rows) + 1))
            if header_height <= even:  # a one-line header: every row alike
                return TableFit(size, even, even)
            return TableFit(size, header_height, min(most_row, (height_in - header_height) / max(1, len(rows))))
    size = sizes[-1]
    return TableFit(size, height_in / (len(rows) + 1), height_in / (len(rows) + 1))


def add_table(slide, rows: int, cols: int, x: float, y: float, widths: list[float], row_height: float):
    shape = slide.shapes.add_table(rows, cols, Inches(x), Inches(y), Inches(sum(widths)), Inches(row_height * rows))
    table = shape.table
    table.first_row = True
    table.horz_banding = False
    for i, width in enumerate(widths):
        table.columns[i].width = Inches(width)
    for row in table.rows:
        row.height = Inches(row_height)
    return table


def write_cell(cell, text: str, size: float, *, bold: bool = False, color: str = "ink", fill: str | None = "FFFFFF",
          align=PP_ALIGN.LEFT) -> None:
    if fill:
        cell.fill.solid()
        cell.fill.fore_color.rgb = rgb(fill)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.margin_left = cell.margin_right = Inches(0.1)
    cell.margin_top = cell.margin_bottom = Inches(0.02)
    frame = cell.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.alignment = align
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    run = paragraph.add_run()
    run.text = text
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = rgb(color)
