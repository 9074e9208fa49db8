"""The investor update as a 16:9 PowerPoint deck (python-pptx) with native, editable charts.

Slides: title (with three headline numbers), summary (narrative, highlights, lowlights), key
metrics (a table against the comparison period, and four tiles), MRR bridge (a stacked column
chart whose invisible base series makes the waterfall: python-pptx has no waterfall type), MRR
trend (line chart), cohort retention (a table with shaded cells), NPS breakdown (bar charts by
segment) and the founders' commentary (left out when every field is empty). A slide whose data
is missing (no revenue, no cohorts, no NPS) is left out.

Every figure is the `InvestorUpdate`'s own text or `Numbers` of the same value, so the deck says
what the narrative, the workbook and the HTML say. Text never overflows its box: a long text
(the edited narrative, the commentary) gets a smaller font, down to a floor, then is cut with
"…". User strings are set as plain text runs (python-pptx escapes them for XML).
"""

from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
    XL_TICK_MARK,
)
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from kpi.report import narrative as words
from kpi.report.build import Report
from kpi.report.update import (
    COMMENTARY_FIELDS,
    PALETTE,
    InvestorUpdate,
    clean_text,
    nps_breakdown,
    recent_cohorts,
    segment_verdict,
)

FONT = "Arial"  # metric-compatible with Liberation Sans where Arial is missing: same line breaks
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = 0.6  # inches
CONTENT_TOP = 1.55
CONTENT_BOTTOM = 6.85
COHORTS_SHOWN = 12
AGES_SHOWN = 12
TILE_KEYS = ("mrr", "net_new_mrr", "logo_churn_rate", "nrr_12m")


def _rgb(name: str) -> RGBColor:
    return RGBColor.from_string(PALETTE.get(name, name))


# ── text fitting ─────────────────────────────────────────────────────────────────────────


def _lines_needed(text: str, width_in: float, size_pt: float) -> int:
    """Lines a text takes in a box `width_in` wide (Arial's average character ≈ 0.5 em)."""
    per_line = max(1, int(width_in * 72 / (size_pt * 0.5)))
    return sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))


def fit_text(text: str, width_in: float, height_in: float, sizes: tuple[int, ...] = (18, 16, 14, 13, 12, 11),
             spacing: float = 1.25) -> tuple[int, str]:
    """The largest font size at which `text` fits the box, and the text (cut with '…' when it
    does not fit even at the smallest size)."""
    for size in sizes:
        if _lines_needed(text, width_in, size) * size * spacing / 72 <= height_in:
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


class _Deck:
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
        font.color.rgb = _rgb(color)
        return run

    def rect(self, slide, x: float, y: float, w: float, h: float, fill: str, *, rounded: bool = False):
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE if rounded else MSO_SHAPE.RECTANGLE,
                                       Inches(x), Inches(y), Inches(w), Inches(h))
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(fill)
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
            slide.background.fill.fore_color.rgb = _rgb("navy")
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


def _style_axis_text(axis, size: int = 11) -> None:
    axis.tick_labels.font.size = Pt(size)
    axis.tick_labels.font.name = FONT
    axis.tick_labels.font.color.rgb = _rgb("muted")


def _no_line(axis) -> None:
    axis.format.line.fill.background()


def _gridlines(axis) -> None:
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("line")
    axis.major_gridlines.format.line.width = Pt(0.75)


def _date_axis_step(axis, months: int) -> None:
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


def _label(point, text: str, size: int, color: str, *, bold: bool = True, position=None) -> None:
    label = point.data_label
    label.font.name = FONT
    label.font.size = Pt(size)
    label.font.bold = bold
    label.font.color.rgb = _rgb(color)
    frame = label.text_frame
    frame.text = text
    for run in frame.paragraphs[0].runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT
        run.font.color.rgb = _rgb(color)
    if position is not None:
        label.position = position


def to_pptx(update: InvestorUpdate, report: Report) -> bytes:
    """The deck of the update (see the module docstring), as bytes."""
    deck = _Deck(update, report)
    _title_slide(deck)
    _summary_slide(deck)
    _kpi_slide(deck)
    if update.bridge is not None:
        _bridge_slide(deck)
    if report.revenue is not None and len(report.months) > 1:
        _trend_slide(deck)
    if recent_cohorts(report) is not None:
        _cohort_slide(deck)
    if nps_breakdown(report) is not None or report.nps is not None:
        _nps_slide(deck)
    if any(text for _, text in update.commentary):
        _commentary_slide(deck)
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    return buffer.getvalue()


# ── slides ───────────────────────────────────────────────────────────────────────────────


def _title_slide(deck: _Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(dark=True)
    deck.rect(slide, MARGIN, 1.35, 0.9, 0.08, "mrr")
    kicker = " · ".join(p for p in (u.company, w["kicker"]) if p).upper()
    size, kicker = fit_text(kicker, 12.1, 0.4, (16, 14, 12))
    deck.text(slide, MARGIN, 1.6, 12.1, 0.4, kicker, size, bold=True, color="passive")
    size, title = fit_text(u.title, 12.1, 1.6, (44, 40, 36, 32, 28))
    deck.text(slide, MARGIN, 2.05, 12.1, 1.6, title, size, bold=True, color="FFFFFF", anchor=MSO_ANCHOR.TOP)
    subtitle = f"{u.period_label} — {w['compared_with']} {u.comparison_label}"
    deck.text(slide, MARGIN, 3.55, 12.1, 0.5, subtitle, 20, color="D1D5DB")
    tiles = [h for h in (u.metric("mrr"), u.metric("customers"), u.metric("nrr_12m") or u.metric("nps")) if h]
    for i, h in enumerate(tiles):
        x = MARGIN + i * 4.1
        deck.rect(slide, x, 4.75, 0.04, 1.45, "mrr")
        deck.text(slide, x + 0.25, 4.7, 3.7, 0.4, h.label, 14, color="passive")
        deck.text(slide, x + 0.25, 5.1, 3.7, 0.7, h.value_text, 34, bold=True, color="FFFFFF")
        change = f"{h.change_text} {w['compared_with']} {u.comparison_label}" if h.change is not None else ""
        colour = "86EFAC" if h.better else "FCA5A5" if h.better is False else "D1D5DB"
        deck.text(slide, x + 0.25, 5.82, 3.7, 0.35, change, 12, color=colour)


def _summary_slide(deck: _Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(w["summary"])
    size, text = fit_text(u.narrative, 11.6, 2.0, (17, 16, 15, 14, 13, 12, 11), spacing=1.3)
    height = min(2.0, _lines_needed(text, 11.6, size) * size * 1.3 / 72) + 0.4
    deck.rect(slide, MARGIN, CONTENT_TOP, 12.133, height, "light", rounded=True)
    deck.text(slide, MARGIN + 0.25, CONTENT_TOP + 0.2, 11.6, height - 0.3, text, size, spacing=1.12)
    top = CONTENT_TOP + height + 0.35
    for i, (heading, items, colour) in enumerate(((w["highlights"], u.highlights, "good"),
                                                  (w["lowlights"], u.lowlights, "bad"))):
        x = MARGIN + i * 6.2
        deck.rect(slide, x, top, 0.06, 0.34, colour)
        deck.text(slide, x + 0.18, top - 0.02, 5.6, 0.4, heading, 18, bold=True, color=colour)
        lines = [item.text for item in items] or [w["none"]]
        deck.bullets(slide, x, top + 0.5, 5.85, CONTENT_BOTTOM - top - 0.5, lines, colour)


def _table(slide, rows: int, cols: int, x: float, y: float, widths: list[float], row_height: float):
    shape = slide.shapes.add_table(rows, cols, Inches(x), Inches(y), Inches(sum(widths)), Inches(row_height * rows))
    table = shape.table
    table.first_row = True
    table.horz_banding = False
    for i, width in enumerate(widths):
        table.columns[i].width = Inches(width)
    for row in table.rows:
        row.height = Inches(row_height)
    return table


def _cell(cell, text: str, size: float, *, bold: bool = False, color: str = "ink", fill: str | None = "FFFFFF",
          align=PP_ALIGN.LEFT) -> None:
    if fill:
        cell.fill.solid()
        cell.fill.fore_color.rgb = _rgb(fill)
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
    run.font.color.rgb = _rgb(color)


def _kpi_slide(deck: _Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(w["key_metrics"])
    rows = list(u.headline)
    row_height = min(0.34, (CONTENT_BOTTOM - CONTENT_TOP) / (len(rows) + 1))
    size = 13 if row_height >= 0.32 else 11
    widths = [3.3, 1.75, 1.75, 1.45]
    table = _table(slide, len(rows) + 1, 4, MARGIN, CONTENT_TOP, widths, row_height)
    for col, header in enumerate((w["kpi"], u.period_label, u.comparison_label, w["change"])):
        fitted = fit_text(header, widths[col] - 0.2, row_height, (size, 11, 10, 9))
        _cell(table.cell(0, col), fitted[1], fitted[0], bold=True, color="FFFFFF", fill="navy",
              align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.RIGHT)
    for r, h in enumerate(rows, start=1):
        fill = "FFFFFF" if r % 2 else "light"
        change_colour = "good" if h.better else "bad" if h.better is False else "muted"
        _cell(table.cell(r, 0), h.label, size, fill=fill)
        _cell(table.cell(r, 1), h.value_text, size, bold=True, fill=fill, align=PP_ALIGN.RIGHT)
        _cell(table.cell(r, 2), h.comparison_text, size, color="muted", fill=fill, align=PP_ALIGN.RIGHT)
        _cell(table.cell(r, 3), h.change_text, size, bold=True, color=change_colour, fill=fill, align=PP_ALIGN.RIGHT)
    tiles = [h for h in (u.metric(key) for key in TILE_KEYS) if h is not None]
    x = MARGIN + sum(widths) + 0.45
    tile_w = 13.333 - MARGIN - x
    tile_h = 1.22
    for i, h in enumerate(tiles):
        y = CONTENT_TOP + i * (tile_h + 0.12)
        deck.rect(slide, x, y, tile_w, tile_h, "light", rounded=True)
        deck.rect(slide, x, y + 0.18, 0.06, tile_h - 0.36, "mrr")
        deck.text(slide, x + 0.25, y + 0.12, tile_w - 0.4, 0.3, h.label, 12, color="muted")
        deck.text(slide, x + 0.25, y + 0.4, tile_w - 0.4, 0.5, h.value_text, 26, bold=True, color="navy")
        if h.change is not None:
            colour = "good" if h.better else "bad" if h.better is False else "muted"
            deck.text(slide, x + 0.25, y + 0.88, tile_w - 0.4, 0.3,
                      f"{h.change_text} {w['compared_with']} {u.comparison_label}", 11, color=colour)


def _bridge_slide(deck: _Deck) -> None:
    u, w, n = deck.update, deck.words, deck.numbers
    b = u.bridge
    slide = deck.slide(f"{w['bridge']} — {u.period_label}")
    before = words.month_label(u.months[0] - 1, u.language, short=True)
    after = words.month_label(u.months[-1], u.language, short=True)
    steps = [("total", f"MRR {before}", b.start), ("increase", w["new"], b.new),
             ("increase", w["expansion"], b.expansion),
             ("increase", w["reactivation"], b.reactivation), ("decrease", w["contraction"], b.contraction),
             ("decrease", w["churn"], b.churn), ("total", f"MRR {after}", b.end)]
    base, total, increase, decrease = [], [], [], []
    level = b.start
    for kind, _, amount in steps:
        if kind == "total":
            base.append(None)
            total.append(amount)
            increase.append(None)
            decrease.append(None)
        elif kind == "increase":
            base.append(level)
            increase.append(amount)
            total.append(None)
            decrease.append(None)
            level += amount
        else:
            level -= amount
            base.append(level)
            decrease.append(amount)
            total.append(None)
            increase.append(None)
    tops = [sum(v or 0 for v in values) for values in zip(base, total, increase, decrease, strict=True)]
    lows = [t if t is not None else bs for bs, t in zip(base, total, strict=True)]
    axis_min, axis_max, unit = _bridge_axis(min(lows), max(tops))
    carrier = [(axis_max - axis_min) * 0.001] * len(steps)  # invisible: carries each bar's label above it
    data = CategoryChartData()
    data.categories = [label for _, label, _ in steps]
    data.add_series(w["base"], base)
    data.add_series(w["total"], total)
    data.add_series(w["increase"], increase)
    data.add_series(w["decrease"], decrease)
    data.add_series(" ", carrier)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_STACKED, Inches(MARGIN), Inches(CONTENT_TOP),
                                   Inches(12.133), Inches(4.85), data)
    chart = frame.chart
    chart.has_legend = False
    chart.font.name = FONT
    plot = chart.plots[0]
    plot.gap_width = 55
    plot.overlap = 100
    colours = {1: "mrr", 2: "good", 3: "bad"}
    for i, series in enumerate(chart.series):
        if i in colours:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(colours[i])
        else:
            series.format.fill.background()
        series.format.line.fill.background()
        series.invert_if_negative = False
    labels = chart.series[4]
    for i, (kind, _, amount) in enumerate(steps):
        text = n.money(amount) if kind == "total" else n.money(amount if kind == "increase" else -amount, signed=True)
        colour = {"total": "navy", "increase": "good", "decrease": "bad"}[kind]
        _label(labels.points[i], text, 14, colour, position=XL_LABEL_POSITION.INSIDE_BASE)
    value_axis = chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = axis_min, axis_max, unit
    value_axis.tick_labels.number_format = _axis_money_format(deck)
    value_axis.tick_labels.number_format_is_linked = False
    _style_axis_text(value_axis)
    _gridlines(value_axis)
    _no_line(value_axis)
    category_axis = chart.category_axis
    _style_axis_text(category_axis, 13)
    category_axis.format.line.color.rgb = _rgb("line")
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    parts = [f"{w['net_new']}{n.punctuation(':')} {n.money(b.net_new, signed=True)}"]
    if b.growth is not None:
        parts.append(f"MRR {n.percent(b.growth, signed=True)}")
    if axis_min > 0:
        parts.append(("value axis starts at {x}" if u.language == "en" else "l’axe des valeurs commence à {x}")
                     .format(x=n.money(axis_min)))
    deck.note(slide, " · ".join(parts))


def _nice_unit(span: float) -> float:
    raw = span / 5 if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _bridge_axis(low: float, high: float) -> tuple[float, float, float]:
    """Axis bounds that show the movements: start below the lowest bar by about the movements'
    span (rounded to a nice unit), never below 0, end a unit above the highest bar."""
    span = max(high - low, high * 0.02, 1.0)
    unit = _nice_unit(span * 2.5)
    axis_min = max(0.0, math.floor((low - span * 1.2) / unit) * unit)
    if axis_min < unit * 2:
        axis_min = 0.0
        unit = _nice_unit(high * 1.1)
    axis_max = math.ceil((high + span * 0.35) / unit) * unit
    return axis_min, axis_max, unit


def _axis_money_format(deck: _Deck) -> str:
    """'€60k' / '60 k€' on a value axis, and a bare 0 at zero."""
    code = (deck.update.currency or "").upper()
    symbol = words.SUFFIX_SYMBOLS.get(code, code)
    if deck.update.language == "fr":
        body = f'#,##0," k{symbol}"' if symbol else '#,##0," k"'
    else:
        body = f'"{symbol}"#,##0,"k"' if symbol in ("€", "$", "£", "¥") else '#,##0,"k"'
    return f"{body};-{body};0"


def _trend_slide(deck: _Deck) -> None:
    u, w, n = deck.update, deck.words, deck.numbers
    series = deck.report.series_frame()
    slide = deck.slide(w["trend"])
    data = CategoryChartData()
    data.categories = [month.to_timestamp().date() for month in series.index]  # a date axis
    data.add_series(w["mrr"], [float(v) for v in series["mrr"]])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE, Inches(MARGIN), Inches(CONTENT_TOP), Inches(12.133),
                                   Inches(4.85), data)
    chart = frame.chart
    chart.has_legend = False
    chart.has_title = False
    chart.font.name = FONT
    line = chart.series[0]
    line.smooth = False
    line.format.line.color.rgb = _rgb("mrr")
    line.format.line.width = Pt(3)
    line.marker.style = XL_MARKER_STYLE.NONE
    last = line.points[len(series) - 1]
    last.marker.style = XL_MARKER_STYLE.CIRCLE
    last.marker.size = 9
    last.marker.format.fill.solid()
    last.marker.format.fill.fore_color.rgb = _rgb("mrr")
    last.marker.format.line.color.rgb = _rgb("FFFFFF")
    _label(last, n.money(float(series["mrr"].iloc[-1])), 14, "navy", position=XL_LABEL_POSITION.ABOVE)
    value_axis = chart.value_axis
    value_axis.minimum_scale = 0
    top = float(series["mrr"].max())
    unit = _nice_unit(top * 1.1)
    value_axis.major_unit = unit
    value_axis.maximum_scale = math.ceil(top * 1.08 / unit) * unit
    value_axis.tick_labels.number_format = _axis_money_format(deck)
    value_axis.tick_labels.number_format_is_linked = False
    _style_axis_text(value_axis)
    _gridlines(value_axis)
    _no_line(value_axis)
    category_axis = chart.category_axis
    _style_axis_text(category_axis, 11)
    category_axis.format.line.color.rgb = _rgb("line")
    category_axis.major_tick_mark = category_axis.minor_tick_mark = XL_TICK_MARK.NONE
    # French month names whatever the viewer's locale (LCID 040C); English otherwise
    category_axis.tick_labels.number_format = "[$-40C]mmm yyyy" if u.language == "fr" else "[$-409]mmm yyyy"
    category_axis.tick_labels.number_format_is_linked = False
    _date_axis_step(category_axis, 1 if len(series) <= 12 else 3 if len(series) <= 40 else 6)
    mrr, customers = u.metric("mrr"), u.metric("customers")
    year_ago = u.as_of - 12
    growth = None
    if year_ago in series.index and series.at[year_ago, "mrr"] > 0:
        growth = float(series.at[u.as_of, "mrr"]) / float(series.at[year_ago, "mrr"]) - 1
    parts = [f"MRR {mrr.value_text if mrr else n.na}", f"ARR {n.money(12 * float(series.at[u.as_of, 'mrr']))}"]
    if customers is not None:
        parts.append(f"{customers.value_text} {'paying customers' if u.language == 'en' else 'clients payants'}")
    if growth is not None:
        parts.append(f"{n.percent(growth, 0, signed=True)} {'year on year' if u.language == 'en' else 'sur un an'}")
    note = " · ".join(parts)
    deck.note(slide, note)


def _shade(value: float, low: float) -> tuple[str, str]:
    """Cell fill and text colour for a retention value: white at `low`, the brand blue at 100 %."""
    t = 0.0 if value <= low else min(1.0, (value - low) / max(1e-9, 1.0 - low))
    start, end = (0xEE, 0xF2, 0xFF), (0x3B, 0x5B, 0xDB)
    rgb = "".join(f"{round(a + (b - a) * t):02X}" for a, b in zip(start, end, strict=True))
    return rgb, ("FFFFFF" if t > 0.55 else "ink")


def _cohort_slide(deck: _Deck) -> None:
    u, w, n = deck.update, deck.words, deck.numbers
    table_data = recent_cohorts(deck.report, COHORTS_SHOWN, AGES_SHOWN)
    cohorts = deck.report.cohorts
    slide = deck.slide(w["cohorts"])
    ages = AGES_SHOWN
    letter = w[f"age_{cohorts.period}"]
    widths = [1.3, 1.3] + [(12.133 - 2.6) / ages] * ages
    rows = len(table_data) + 1
    row_height = min(0.36, (CONTENT_BOTTOM - 0.55 - CONTENT_TOP) / rows)
    table = _table(slide, rows, ages + 2, MARGIN, CONTENT_TOP, widths, row_height)
    headers = [w["cohort"], w["size"]] + [f"{letter}{age}" for age in range(ages)]
    for col, header in enumerate(headers):
        _cell(table.cell(0, col), header, 12, bold=True, color="FFFFFF", fill="navy",
              align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.CENTER)
    values = table_data.drop(columns="size").to_numpy(dtype=float)
    shown = values[~pd.isna(values)]
    low = max(0.0, min(0.5, float(shown.min()) if shown.size else 0.5))
    for r, (cohort, row) in enumerate(zip(table_data.index, values, strict=True), start=1):
        label = words.month_label(cohort, u.language, short=True) if cohorts.period == "month" else str(cohort)
        _cell(table.cell(r, 0), label, 12, bold=True)
        _cell(table.cell(r, 1), n.count(table_data.at[cohort, "size"]), 12, color="muted", align=PP_ALIGN.CENTER)
        for age, value in enumerate(row):
            if math.isnan(value):
                _cell(table.cell(r, age + 2), "", 12, fill="FFFFFF")
                continue
            fill, ink = _shade(value, low)
            _cell(table.cell(r, age + 2), n.percent(value, 0), 12, color=ink, fill=fill, align=PP_ALIGN.CENTER)
    deck.note(slide, w["retention_note"].format(n=len(table_data), unit=w[f"unit_{cohorts.period}"]))


def _nps_slide(deck: _Deck) -> None:
    u, w, n = deck.update, deck.words, deck.numbers
    nps = deck.report.nps
    breakdown = nps_breakdown(deck.report)
    slide = deck.slide(f"{w['nps']} — {u.period_label}")
    # The overall score on the left.
    deck.rect(slide, MARGIN, CONTENT_TOP, 2.9, 4.85, "light", rounded=True)
    deck.text(slide, MARGIN + 0.3, CONTENT_TOP + 0.3, 2.4, 0.3, w["overall"], 13, color="muted")
    deck.text(slide, MARGIN + 0.3, CONTENT_TOP + 0.65, 2.4, 0.9, n.points(nps.score), 48, bold=True, color="navy")
    margin = (nps.ci95[1] - nps.ci95[0]) / 2 if nps.ci95 else None
    detail = [w["responses_note"].format(n=n.count(nps.n))]
    if margin is not None:
        detail.append(("95 % margin ±{x} pts" if u.language == "en" else "marge à 95 % ±{x} pts")
                      .format(x=n._decimal(f"{margin:.1f}")).replace(" %", words.NBSP + "%"))
    shares = [(w["promoters"], nps.promoters, "good"), (w["passives"], nps.passives, "muted"),
              (w["detractors"], nps.detractors, "bad")]
    deck.text(slide, MARGIN + 0.3, CONTENT_TOP + 1.6, 2.4, 0.7, "\n".join(detail), 12, color="muted")
    for i, (label, count, colour) in enumerate(shares):
        y = CONTENT_TOP + 2.55 + i * 0.7
        deck.text(slide, MARGIN + 0.3, y, 2.4, 0.3, label, 12, color="muted")
        share = count / nps.n if nps.n else None
        deck.text(slide, MARGIN + 0.3, y + 0.25, 2.4, 0.4, n.percent(share, 0), 18, bold=True, color=colour)
    x = MARGIN + 3.25
    if breakdown is None:
        deck.note(slide, "")
        return
    table = breakdown.table.iloc[::-1]  # a bar chart draws its first category at the bottom: most responses on top
    segments = [clean_text(s) for s in table.index]
    left = CategoryChartData()
    left.categories = segments
    left.add_series(w["score"], [float(v) for v in table["score"]])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(x), Inches(CONTENT_TOP), Inches(4.3),
                                   Inches(4.85), left)
    chart = frame.chart
    chart.has_legend = False
    chart.font.name = FONT
    chart.has_title = True
    chart.chart_title.text_frame.text = f"{w['nps_by_segment']} ({w['responses'].lower()})"
    _title_font(chart)
    chart.plots[0].gap_width = 70
    bars = chart.series[0]
    bars.format.fill.solid()
    bars.format.fill.fore_color.rgb = _rgb("mrr")
    bars.invert_if_negative = False
    for i, value in enumerate(table["score"]):
        _label(bars.points[i], f"{n.points(float(value))} ({n.count(table['n'].iloc[i])})", 12, "navy",
               position=XL_LABEL_POSITION.OUTSIDE_END)
    value_axis = chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = -100, 100, 50
    value_axis.tick_labels.number_format = "+0;-0;0"
    value_axis.tick_labels.number_format_is_linked = False
    _style_axis_text(value_axis)
    _gridlines(value_axis)
    _no_line(value_axis)
    category_axis = chart.category_axis
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    _style_axis_text(category_axis, 12)
    category_axis.format.line.color.rgb = _rgb("line")

    right = CategoryChartData()
    right.categories = segments
    totals = table["n"].astype(float).where(table["n"] > 0)
    for label, column in ((w["promoters"], "promoters"), (w["passives"], "passives"), (w["detractors"], "detractors")):
        right.add_series(label, [float(v) for v in table[column] / totals])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED_100, Inches(x + 4.45), Inches(CONTENT_TOP),
                                   Inches(12.733 - x - 4.45), Inches(4.85), right)
    chart = frame.chart
    chart.font.name = FONT
    chart.has_title = True
    chart.chart_title.text_frame.text = w["nps_mix"]
    _title_font(chart)
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(11)
    chart.legend.font.name = FONT
    chart.plots[0].gap_width = 70
    chart.plots[0].overlap = 100
    for series, colour in zip(chart.series, ("good", "passive", "bad"), strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(colour)
        for i, point_value in enumerate(series.values):
            if point_value and point_value >= 0.08:
                _label(series.points[i], n.percent(point_value, 0), 11, "FFFFFF",
                       position=XL_LABEL_POSITION.CENTER)
    value_axis = chart.value_axis
    value_axis.visible = False
    value_axis.has_major_gridlines = False
    category_axis = chart.category_axis
    _style_axis_text(category_axis, 12)
    category_axis.format.line.color.rgb = _rgb("line")
    deck.note(slide, segment_verdict(breakdown, u.language))


def _title_font(chart) -> None:
    paragraph = chart.chart_title.text_frame.paragraphs[0]
    for run in paragraph.runs:
        run.font.size = Pt(14)
        run.font.bold = True
        run.font.name = FONT
        run.font.color.rgb = _rgb("navy")


def _commentary_slide(deck: _Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(w["commentary"])
    fields = [(name, u.commentary_text(name)) for name in COMMENTARY_FIELDS]
    width = (12.133 - 2 * 0.3) / 3
    room = CONTENT_BOTTOM - CONTENT_TOP - 1.2
    sizes = (18, 16, 15, 14, 13, 12, 11)
    fitted = [fit_text(text or "—", width - 0.6, room, sizes, spacing=1.3) for _, text in fields]
    needed = max(_lines_needed(body, width - 0.6, size) * size * 1.3 / 72 for size, body in fitted)
    height = min(CONTENT_BOTTOM - CONTENT_TOP, max(2.6, needed + 1.35))  # the cards share the tallest height
    for i, ((name, text), (size, body)) in enumerate(zip(fields, fitted, strict=True)):
        x = MARGIN + i * (width + 0.3)
        deck.rect(slide, x, CONTENT_TOP, width, height, "light", rounded=True)
        deck.rect(slide, x, CONTENT_TOP, width, 0.08, "mrr")
        deck.text(slide, x + 0.3, CONTENT_TOP + 0.3, width - 0.6, 0.45, w[name], 20, bold=True, color="navy")
        deck.text(slide, x + 0.3, CONTENT_TOP + 0.95, width - 0.6, height - 1.15, body, size,
                  color="ink" if text else "muted", spacing=1.1, list_items=True)
