"""The deck's finance slides, from the update's finance part (`kpi.report.update_finance`):

- Cash & runway: cash at each month's end (line) above the monthly net burn (columns), and beside
  them the runway, the cash-zero month, cash, net burn a month and the burn multiple as big numbers
  with the comparison period's values;
- Plan vs actual: every key planned for the period's last month — plan, actual, variance and
  attainment, green when beaten by more than 10 %, red when missed by more than 10 %;
- MRR forecast: actual MRR solid, the median forecast dashed and the 80 % band's bounds dotted,
  on one date axis, with the forecast and backtest sentence.
A slide whose part is missing is left out. Native, editable charts; the deck's colours and fonts.
"""

from __future__ import annotations

import math

import pandas as pd
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE, XL_TICK_MARK
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt

from kpi.exports.pptx_charts import _axis_money_format, _nice_unit
from kpi.exports.pptx_deck import (
    CONTENT_BOTTOM,
    CONTENT_TOP,
    FONT,
    MARGIN,
    Deck,
    add_table,
    date_axis_step,
    fit_table,
    gridlines,
    no_line,
    rgb,
    style_axis_text,
    write_cell,
)
from kpi.report import narrative as words
from kpi.report.update_finance import CashFigures, forecast_sentences

HISTORY_SHOWN = 24  # months of actual MRR before the forecast
CASH_MONTHS_SHOWN = 18  # months of cash and burn


def finance_slides(deck: Deck) -> None:
    """The finance slides the update has (none without its finance part)."""
    part = deck.update.finance
    if part is None:
        return
    if part.figures is not None and part.by_month is not None:
        cash_slide(deck)
    if part.plan_rows:
        plan_slide(deck)
    if part.forecast is not None and part.mrr_history is not None and len(part.mrr_history):
        forecast_slide(deck)


def _months_axis(chart, deck: Deck, count: int) -> None:
    axis = chart.category_axis
    style_axis_text(axis, 11)
    axis.format.line.color.rgb = rgb("line")
    axis.major_tick_mark = axis.minor_tick_mark = XL_TICK_MARK.NONE
    axis.tick_labels.number_format = "[$-40C]mmm yyyy" if deck.update.language == "fr" else "[$-409]mmm yyyy"
    axis.tick_labels.number_format_is_linked = False
    date_axis_step(axis, 1 if count <= 8 else 3 if count <= 30 else 6)


def _value_axis(chart, deck: Deck, low: float, high: float) -> None:
    axis = chart.value_axis
    unit = _nice_unit(max(high - low, abs(high), 1.0) * 1.1)
    axis.minimum_scale = math.floor(low / unit) * unit if low < 0 else 0
    axis.maximum_scale = max(unit, math.ceil(high * 1.08 / unit) * unit)
    axis.major_unit = unit
    axis.tick_labels.number_format = _axis_money_format(deck)
    axis.tick_labels.number_format_is_linked = False
    style_axis_text(axis)
    gridlines(axis)
    no_line(axis)


def _chart_frame(slide, kind, data, x: float, y: float, w: float, h: float):
    chart = slide.shapes.add_chart(kind, Inches(x), Inches(y), Inches(w), Inches(h), data).chart
    chart.has_title = False
    chart.font.name = FONT
    chart.font.size = Pt(11)
    return chart


def _tile(deck: Deck, slide, x: float, y: float, w: float, h: float, label: str, value: str, note: str,
          colour: str = "navy") -> None:
    deck.rect(slide, x, y, w, h, "light", rounded=True)
    deck.rect(slide, x, y + 0.14, 0.06, h - 0.28, "mrr")
    deck.text(slide, x + 0.22, y + 0.08, w - 0.35, 0.28, label, 11, color="muted")
    deck.text(slide, x + 0.22, y + 0.32, w - 0.35, 0.45, value, 22, bold=True, color=colour)
    if note:
        deck.text(slide, x + 0.22, y + h - 0.3, w - 0.35, 0.25, note, 10, color="muted")


def _compared(deck: Deck, value: str) -> str:
    return f"{deck.update.comparison_label}{deck.numbers.punctuation(':')} {value}"


def cash_slide(deck: Deck) -> None:
    u, n = deck.update, deck.numbers
    part = u.finance
    w = part.labels
    f: CashFigures = part.figures
    c: CashFigures | None = part.comparison
    slide = deck.slide(f"{w['cash_runway']} — {u.period_label}")
    frame = part.by_month.iloc[-CASH_MONTHS_SHOWN:]
    dates = [month.to_timestamp().date() for month in frame.index]
    chart_w = 8.2
    cash = CategoryChartData()
    cash.categories = dates
    cash.add_series(w["cash"], [float(v) for v in frame["cash"]])
    top = _chart_frame(slide, XL_CHART_TYPE.LINE_MARKERS, cash, MARGIN, CONTENT_TOP, chart_w, 2.75)
    top.has_legend = True
    top.legend.position = XL_LEGEND_POSITION.TOP
    top.legend.include_in_layout = False
    line = top.series[0]
    line.smooth = False
    line.format.line.color.rgb = rgb("navy")
    line.format.line.width = Pt(2.5)
    line.marker.style = XL_MARKER_STYLE.CIRCLE
    line.marker.size = 5
    line.marker.format.fill.solid()
    line.marker.format.fill.fore_color.rgb = rgb("navy")
    _value_axis(top, deck, min(0.0, float(frame["cash"].min())), float(frame["cash"].max()))
    _months_axis(top, deck, len(frame))
    burn = CategoryChartData()
    burn.categories = dates
    burn.add_series(w["net_burn"], [None if pd.isna(v) else float(v) for v in frame["net_burn"]])
    bottom = _chart_frame(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, burn, MARGIN, CONTENT_TOP + 2.8, chart_w, 2.05)
    bottom.has_legend = True
    bottom.legend.position = XL_LEGEND_POSITION.TOP
    bottom.legend.include_in_layout = False
    bars = bottom.series[0]
    bars.format.fill.solid()
    bars.format.fill.fore_color.rgb = rgb("bad")
    bars.invert_if_negative = False
    bottom.plots[0].gap_width = 60
    burns = frame["net_burn"].dropna()
    _value_axis(bottom, deck, min(0.0, float(burns.min()) if len(burns) else 0.0),
                max(1.0, float(burns.max()) if len(burns) else 1.0))
    _months_axis(bottom, deck, len(frame))
    x = MARGIN + chart_w + 0.3
    tile_w, tile_h, gap = 13.333 - MARGIN - x, 0.98, 0.08
    runway = n.months(f.runway_months) if f.runway_months is not None else w["not_burning"]
    zero = words.month_label(f.cash_zero_month, u.language) if f.cash_zero_month is not None else "—"
    tiles = [
        (w["runway"], runway, _compared(deck, n.months(c.runway_months)) if c and c.runway_months else "",
         "bad" if f.runway_months is not None and f.runway_months < 12 else "navy"),
        (w["cash_zero"], zero, "", "navy"),
        (w["cash"], n.money(f.cash), _compared(deck, n.money(c.cash)) if c else "", "navy"),
        (f"{w['net_burn']} ({w['a_month']})", n.money(f.net_burn),
         _compared(deck, n.money(c.net_burn)) if c else "", "navy"),
        (w["burn_multiple"], n.ratio(f.burn_multiple),
         _compared(deck, n.ratio(c.burn_multiple)) if c and c.burn_multiple is not None else "", "navy"),
    ]
    for i, (label, value, note, colour) in enumerate(tiles):
        _tile(deck, slide, x, CONTENT_TOP + i * (tile_h + gap), tile_w, tile_h, label, value, note, colour)
    sentences = [s for s in part.sentences if s.startswith(("Runway", "Autonomie", "Not burning", "Pas de"))]
    deck.note(slide, " ".join(sentences) or w["burn_note"].format(window=part.burn_window), y=6.5)


def plan_slide(deck: Deck) -> None:
    u = deck.update
    part = u.finance
    w = part.labels
    month = words.month_label(part.plan_month, u.language)
    slide = deck.slide(f"{w['plan']} — {month}")
    widths = [3.6, 2.1, 2.1, 2.2, 2.1]
    header = [w["kpi"], w["planned"], w["actual"], w["variance"], w["attainment"]]
    body = [[r.label, r.plan_text, r.actual_text, r.variance_text, r.attainment_text] for r in part.plan_rows]
    fit = fit_table(header, body, widths, CONTENT_BOTTOM - CONTENT_TOP - 0.6, most_row=0.45)
    table = add_table(slide, len(body) + 1, len(widths), MARGIN, CONTENT_TOP, widths, fit.row_height)
    table.rows[0].height = Inches(fit.header_height)
    for col, text in enumerate(header):
        write_cell(table.cell(0, col), text, fit.size, bold=True, color="FFFFFF", fill="navy",
                   align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.RIGHT)
    for r, (row, cells) in enumerate(zip(part.plan_rows, body, strict=True), start=1):
        fill = "FFFFFF" if r % 2 else "light"
        tone = "good" if row.good else "bad" if row.good is False else "ink"
        for col, text in enumerate(cells):
            write_cell(table.cell(r, col), text, fit.size, fill=fill, bold=col in (2, 4),
                       color=tone if col in (3, 4) else "muted" if col == 1 else "ink",
                       align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.RIGHT)
    note = ("Green: more than 10 % better than plan; red: more than 10 % off plan on the wrong side "
            "(over plan for churn, burn and costs)." if u.language == "en" else
            "Vert : plus de 10 % mieux que le plan ; rouge : plus de 10 % moins bien (au-dessus du plan pour "
            "le churn, le burn et les coûts).")
    deck.note(slide, note.replace(" %", words.NBSP + "%"))


def forecast_slide(deck: Deck) -> None:
    u, n = deck.update, deck.numbers
    part = u.finance
    w = part.labels
    forecast = part.forecast
    history = part.mrr_history.iloc[-HISTORY_SHOWN:]
    months = list(history.index) + list(forecast.months.index)
    slide = deck.slide(w["forecast"])
    data = CategoryChartData()
    data.categories = [month.to_timestamp().date() for month in months]
    ahead = len(forecast.months)
    last = float(history.iloc[-1])
    before = [None] * (len(history) - 1)
    data.add_series(w["actual_mrr"], [float(v) for v in history] + [None] * ahead)
    data.add_series(w["median"], before + [last] + [float(v) for v in forecast.months["p50"]])
    data.add_series(w["p90"], before + [last] + [float(v) for v in forecast.months["p90"]])
    data.add_series(w["p10"], before + [last] + [float(v) for v in forecast.months["p10"]])
    chart = _chart_frame(slide, XL_CHART_TYPE.LINE, data, MARGIN, CONTENT_TOP, 12.133, 4.75)
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    styles = [("mrr", 3.0, None), ("mrr", 3.0, MSO_LINE_DASH_STYLE.DASH),
              ("passive", 1.5, MSO_LINE_DASH_STYLE.ROUND_DOT), ("passive", 1.5, MSO_LINE_DASH_STYLE.ROUND_DOT)]
    for series, (colour, width, dash) in zip(chart.series, styles, strict=True):
        series.smooth = False
        series.format.line.color.rgb = rgb(colour)
        series.format.line.width = Pt(width)
        if dash is not None:
            series.format.line.dash_style = dash
        series.marker.style = XL_MARKER_STYLE.NONE
    _value_axis(chart, deck, 0.0, max(float(history.max()), float(forecast.months["p90"].max())))
    _months_axis(chart, deck, len(months))
    sentence = forecast_sentences(part, n)
    deck.note(slide, sentence[0] if sentence else forecast.method, y=6.45)
