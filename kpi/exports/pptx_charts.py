"""The deck's chart slides: MRR bridge (a waterfall from a stacked column chart), MRR trend,
cohort retention (a shaded table) and the NPS breakdown, all native and editable in PowerPoint.
"""

from __future__ import annotations

import math

import pandas as pd
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
    XL_TICK_MARK,
)
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt

from kpi.exports.cells import safe_cell_text
from kpi.exports.pptx_deck import (
    AGES_SHOWN,
    COHORTS_SHOWN,
    CONTENT_BOTTOM,
    CONTENT_TOP,
    FONT,
    MARGIN,
    Deck,
    add_table,
    date_axis_step,
    gridlines,
    label_point,
    no_line,
    rgb,
    style_axis_text,
    write_cell,
)
from kpi.report import narrative as words
from kpi.report.update_views import nps_breakdown, recent_cohorts, segment_verdict


def bridge_slide(deck: Deck) -> None:
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
            series.format.fill.fore_color.rgb = rgb(colours[i])
        else:
            series.format.fill.background()
        series.format.line.fill.background()
        series.invert_if_negative = False
    labels = chart.series[4]
    for i, (kind, _, amount) in enumerate(steps):
        text = n.money(amount) if kind == "total" else n.money(amount if kind == "increase" else -amount, signed=True)
        colour = {"total": "navy", "increase": "good", "decrease": "bad"}[kind]
        label_point(labels.points[i], text, 14, colour, position=XL_LABEL_POSITION.INSIDE_BASE)
    value_axis = chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = axis_min, axis_max, unit
    value_axis.tick_labels.number_format = _axis_money_format(deck)
    value_axis.tick_labels.number_format_is_linked = False
    style_axis_text(value_axis)
    gridlines(value_axis)
    no_line(value_axis)
    category_axis = chart.category_axis
    style_axis_text(category_axis, 13)
    category_axis.format.line.color.rgb = rgb("line")
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


def _axis_money_format(deck: Deck) -> str:
    """'€60k' / '60 k€' on a value axis, and a bare 0 at zero."""
    code = (deck.update.currency or "").upper()
    symbol = words.SUFFIX_SYMBOLS.get(code, code)
    if deck.update.language == "fr":
        body = f'#,##0," k{symbol}"' if symbol else '#,##0," k"'
    else:
        body = f'"{symbol}"#,##0,"k"' if symbol in ("€", "$", "£", "¥") else '#,##0,"k"'
    return f"{body};-{body};0"


def trend_slide(deck: Deck) -> None:
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
    line.format.line.color.rgb = rgb("mrr")
    line.format.line.width = Pt(3)
    line.marker.style = XL_MARKER_STYLE.NONE
    last = line.points[len(series) - 1]
    last.marker.style = XL_MARKER_STYLE.CIRCLE
    last.marker.size = 9
    last.marker.format.fill.solid()
    last.marker.format.fill.fore_color.rgb = rgb("mrr")
    last.marker.format.line.color.rgb = rgb("FFFFFF")
    label_point(last, n.money(float(series["mrr"].iloc[-1])), 14, "navy", position=XL_LABEL_POSITION.ABOVE)
    value_axis = chart.value_axis
    value_axis.minimum_scale = 0
    top = float(series["mrr"].max())
    unit = _nice_unit(top * 1.1)
    value_axis.major_unit = unit
    value_axis.maximum_scale = math.ceil(top * 1.08 / unit) * unit
    value_axis.tick_labels.number_format = _axis_money_format(deck)
    value_axis.tick_labels.number_format_is_linked = False
    style_axis_text(value_axis)
    gridlines(value_axis)
    no_line(value_axis)
    category_axis = chart.category_axis
    style_axis_text(category_axis, 11)
    category_axis.format.line.color.rgb = rgb("line")
    category_axis.major_tick_mark = category_axis.minor_tick_mark = XL_TICK_MARK.NONE
    # French month names whatever the viewer's locale (LCID 040C); English otherwise
    category_axis.tick_labels.number_format = "[$-40C]mmm yyyy" if u.language == "fr" else "[$-409]mmm yyyy"
    category_axis.tick_labels.number_format_is_linked = False
    date_axis_step(category_axis, 1 if len(series) <= 12 else 3 if len(series) <= 40 else 6)
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
    hex_colour = "".join(f"{round(a + (b - a) * t):02X}" for a, b in zip(start, end, strict=True))
    return hex_colour, ("FFFFFF" if t > 0.55 else "ink")


def cohort_slide(deck: Deck) -> None:
    u, w, n = deck.update, deck.words, deck.numbers
    table_data = recent_cohorts(deck.report, COHORTS_SHOWN, AGES_SHOWN)
    cohorts = deck.report.cohorts
    slide = deck.slide(w["cohorts"])
    ages = AGES_SHOWN
    letter = w[f"age_{cohorts.period}"]
    widths = [1.3, 1.3] + [(12.133 - 2.6) / ages] * ages
    rows = len(table_data) + 1
    row_height = min(0.36, (CONTENT_BOTTOM - 0.55 - CONTENT_TOP) / rows)
    table = add_table(slide, rows, ages + 2, MARGIN, CONTENT_TOP, widths, row_height)
    headers = [w["cohort"], w["size"]] + [f"{letter}{age}" for age in range(ages)]
    for col, header in enumerate(headers):
        write_cell(table.cell(0, col), header, 12, bold=True, color="FFFFFF", fill="navy",
              align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.CENTER)
    values = table_data.drop(columns="size").to_numpy(dtype=float)
    shown = values[~pd.isna(values)]
    low = max(0.0, min(0.5, float(shown.min()) if shown.size else 0.5))
    for r, (cohort, row) in enumerate(zip(table_data.index, values, strict=True), start=1):
        label = words.month_label(cohort, u.language, short=True) if cohorts.period == "month" else str(cohort)
        write_cell(table.cell(r, 0), label, 12, bold=True)
        write_cell(table.cell(r, 1), n.count(table_data.at[cohort, "size"]), 12, color="muted", align=PP_ALIGN.CENTER)
        for age, value in enumerate(row):
            if math.isnan(value):
                write_cell(table.cell(r, age + 2), "", 12, fill="FFFFFF")
                continue
            fill, ink = _shade(value, low)
            write_cell(table.cell(r, age + 2), n.percent(value, 0), 12, color=ink, fill=fill, align=PP_ALIGN.CENTER)
    deck.note(slide, w["retention_note"].format(n=len(table_data), unit=w[f"unit_{cohorts.period}"]))


def nps_slide(deck: Deck) -> None:
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
    # the chart's data is a workbook PowerPoint opens in Excel ("Edit data"): a segment is a cell there
    segments = [safe_cell_text(s) for s in table.index]
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
    bars.format.fill.fore_color.rgb = rgb("mrr")
    bars.invert_if_negative = False
    for i, value in enumerate(table["score"]):
        label_point(bars.points[i], f"{n.points(float(value))} ({n.count(table['n'].iloc[i])})", 12, "navy",
               position=XL_LABEL_POSITION.OUTSIDE_END)
    value_axis = chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = -100, 100, 50
    value_axis.tick_labels.number_format = "+0;-0;0"
    value_axis.tick_labels.number_format_is_linked = False
    style_axis_text(value_axis)
    gridlines(value_axis)
    no_line(value_axis)
    category_axis = chart.category_axis
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    style_axis_text(category_axis, 12)
    category_axis.format.line.color.rgb = rgb("line")

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
        series.format.fill.fore_color.rgb = rgb(colour)
        for i, point_value in enumerate(series.values):
            if point_value and point_value >= 0.08:
                label_point(series.points[i], n.percent(point_value, 0), 11, "FFFFFF",
                       position=XL_LABEL_POSITION.CENTER)
    value_axis = chart.value_axis
    value_axis.visible = False
    value_axis.has_major_gridlines = False
    category_axis = chart.category_axis
    style_axis_text(category_axis, 12)
    category_axis.format.line.color.rgb = rgb("line")
    deck.note(slide, segment_verdict(breakdown, u.language))


def _title_font(chart) -> None:
    paragraph = chart.chart_title.text_frame.paragraphs[0]
    for run in paragraph.runs:
        run.font.size = Pt(14)
        run.font.bold = True
        run.font.name = FONT
        run.font.color.rgb = rgb("navy")
