"""The investor update as an Excel workbook (XlsxWriter): the numbers behind the deck, for an
investor or a finance team to check and reuse.

Sheets: Summary (title, narrative, highlights, lowlights, commentary), KPIs (the headline
against the comparison period, then every number of the JSON report at the as-of month),
Monthly series (MRR, movements and counts per month, with a native line chart of MRR and a
stacked column chart of the movements), Movements (the customers behind the period's
movements, named from the customers table), Cohorts (logo and revenue retention with a
3-colour scale) and NPS by segment (with a native column chart); then, when the update has them,
Cash & runway, Plan vs actual and Forecast (`kpi.exports.xlsx_finance`).

Formula injection: a cell never holds a formula. Every string is written with `write_string`
(never `write`, which would turn "=…" into a formula), the workbook is opened with
`strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off, and a user's string that
starts with = + - @ { tab or carriage return — also after invisible characters, and in full-width
forms — is prefixed with an apostrophe (OWASP's rule for spreadsheet exports; the one rule is
`kpi.exports.cells.safe_cell_text`), so it stays visibly text even after a copy-paste or a CSV
round trip.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from kpi.exports.cells import MAX_CELL, safe_cell_text  # safe_cell_text: also imported from here (ui.data)
from kpi.exports.xlsx_finance import finance_sheets
from kpi.report import narrative as words
from kpi.report.build import Report
from kpi.report.update import COMMENTARY_FIELDS, GAINS, LOSSES, PALETTE, InvestorUpdate
from kpi.report.update_views import nps_breakdown, period_movements, segment_verdict
from kpi.text import clean_text

SHEETS = ("Summary", "KPIs", "Monthly series", "Movements", "Cohorts", "NPS by segment")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


class _Book:
    """The workbook and its formats; `text` writes our own words, `user` a user's string."""

    def __init__(self, update: InvestorUpdate):
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "nan_inf_to_errors": True,
        })
        self.update = update
        self.words = words.labels(update.language)
        created = dt.datetime(update.as_of.year, update.as_of.month, 1)
        self.workbook.set_properties({"title": clean_text(update.title), "subject": "Investor update",
                                      "author": "KPI workbench", "created": created})
        add = self.workbook.add_format
        font = {"font_name": "Arial", "font_size": 10, "font_color": "#" + PALETTE["ink"]}
        self.formats = {
            "title": add({**font, "bold": True, "font_size": 16, "font_color": "#" + PALETTE["navy"]}),
            "subtitle": add({**font, "font_color": "#" + PALETTE["muted"]}),
            "heading": add({**font, "bold": True, "font_size": 12, "font_color": "#" + PALETTE["navy"]}),
            "header": add({**font, "bold": True, "bg_color": "#" + PALETTE["light"], "bottom": 1,
                           "bottom_color": "#" + PALETTE["line"], "text_wrap": True, "valign": "top"}),
            "text": add(font),
            "wrap": add({**font, "text_wrap": True, "valign": "top"}),
            "good": add({**font, "font_color": "#" + PALETTE["good"]}),
            "bad": add({**font, "font_color": "#" + PALETTE["bad"]}),
            "money": add({**font, "num_format": self._money_format()}),
            "count": add({**font, "num_format": "#,##0"}),
            "rate": add({**font, "num_format": "0.0%"}),
            "ratio": add({**font, "num_format": '0.00"×"'}),
            "points": add({**font, "num_format": "+0.0;-0.0;0.0"}),
            "months": add({**font, "num_format": "0.0"}),
            "number": add({**font, "num_format": "#,##0.00"}),
            "percent0": add({**font, "num_format": "0%"}),
        }

    def _money_format(self) -> str:
        symbol = words.SUFFIX_SYMBOLS.get((self.update.currency or "").upper(), (self.update.currency or "").upper())
        if not symbol:
            return "#,##0.00"
        return f'#,##0.00 "{symbol}"' if self.update.language == "fr" else f'"{symbol}"#,##0.00'

    def text(self, sheet: Worksheet, row: int, col: int, value: str, style: str = "text") -> None:
        sheet.write_string(row, col, clean_text(value)[:MAX_CELL], self.formats[style])

    def user(self, sheet: Worksheet, row: int, col: int, value: object, style: str = "text") -> None:
        sheet.write_string(row, col, safe_cell_text(value), self.formats[style])

    def number(self, sheet: Worksheet, row: int, col: int, value: object, style: str = "number") -> None:
        if _missing(value):
            sheet.write_blank(row, col, None, self.formats[style])
        else:
            sheet.write_number(row, col, float(value), self.formats[style])

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


def to_xlsx(update: InvestorUpdate, report: Report) -> bytes:
    """The workbook of the update (see the module docstring), as bytes."""
    book = _Book(update)
    _summary(book, update)
    _kpis(book, update, report)
    _monthly_series(book, update, report)
    _movements(book, update, report)
    _cohorts(book, update, report)
    _nps(book, update, report)
    finance_sheets(book, update)  # Cash & runway, Plan vs actual, Forecast: those the update has
    return book.close()


def _lines(text: str) -> int:
    """Rows of wrapped text at ~110 characters a line, for the row height."""
    return max(1, sum(max(1, math.ceil(len(line) / 110)) for line in text.splitlines() or [""]))


def _summary(book: _Book, update: InvestorUpdate) -> None:
    sheet = book.workbook.add_worksheet("Summary")
    w = book.words
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 110)
    sheet.hide_gridlines(2)
    book.user(sheet, 0, 0, update.title, "title")
    subtitle = f"{update.period_label} — {w['compared_with']} {update.comparison_label}"
    book.text(sheet, 1, 0, subtitle, "subtitle")
    row = 2
    if update.company:
        book.user(sheet, row, 0, update.company, "subtitle")
        row += 1
    row += 1
    book.text(sheet, row, 0, w["narrative"], "heading")
    book.user(sheet, row, 1, update.narrative, "wrap")
    sheet.set_row(row, 14 * _lines(update.narrative))
    row += 2
    for heading, items in ((w["highlights"], update.highlights), (w["lowlights"], update.lowlights)):
        book.text(sheet, row, 0, heading, "heading")
        if not items:
            book.text(sheet, row, 1, w["none"])
            row += 1
        for item in items:
            book.user(sheet, row, 1, item.text, "wrap")
            row += 1
        row += 1
    book.text(sheet, row, 0, w["commentary"], "heading")
    row += 1
    for name in COMMENTARY_FIELDS:
        text = update.commentary_text(name)
        book.text(sheet, row, 0, w[name], "header")
        book.user(sheet, row, 1, text, "wrap")
        sheet.set_row(row, 14 * _lines(text))
        row += 1
    book.text(sheet, row + 1, 0, w["generated"], "subtitle")


# Every number of the JSON report at the as-of month: (section, key, style)
_JSON_STYLES = {
    "revenue": {"mrr": "money", "arr": "money", "customers": "count", "arpa": "money", "quick_ratio": "ratio"},
    "unit_economics": {"ltv": "money", "cac": "money", "ltv_cac": "ratio", "payback_months": "months",
                       "crc": "money", "cs_roi": "rate", "gross_margin": "rate"},
    "nps": {"score": "points", "n": "count", "promoters": "count", "passives": "count", "detractors": "count"},
    "csat": {"score": "rate", "n": "count"},
    "ces": {"mean": "number", "n": "count"},
    "support": {"fcr": "rate", "tickets": "count", "median_resolution_hours": "number"},
    "engagement": {"dau_mau": "rate", "ttfv_median_days": "number"},
    "orders": {"repeat_purchase_rate": "rate", "customers": "count", "orders": "count"},
}


def _kpis(book: _Book, update: InvestorUpdate, report: Report) -> None:
    sheet = book.workbook.add_worksheet("KPIs")
    w = book.words
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 3, 16)
    sheet.set_column(4, 4, 14)
    sheet.set_column(5, 5, 26)
    book.text(sheet, 0, 0, f"{w['key_metrics']} — {update.period_label}", "title")
    headers = [w["kpi"], update.period_label, update.comparison_label, w["change"], "", w["key"]]
    for col, header in enumerate(headers):
        if header:
            book.text(sheet, 2, col, header, "header")
    row = 3
    for h in update.headline:
        book.text(sheet, row, 0, h.label)
        book.number(sheet, row, 1, h.value, h.kind)
        book.number(sheet, row, 2, h.comparison, h.kind)
        book.text(sheet, row, 3, h.change_text, "good" if h.better else "bad" if h.better is False else "text")
        book.text(sheet, row, 5, h.key, "subtitle")
        row += 1
    row += 2
    as_of = str(update.as_of)
    book.text(sheet, row, 0, f"{w['value']} — {words.month_label(update.as_of, update.language)} ({as_of})", "heading")
    row += 1
    for col, header in enumerate((w["section"], w["key"], w["value"])):
        book.text(sheet, row, col, header, "header")
    row += 1
    data = report.to_json()
    for section, styles in _JSON_STYLES.items():
        values = data.get(section)
        if not values:
            continue
        for key, value in values.items():
            if isinstance(value, (list, dict)) or key == "ci95":
                continue
            style = styles.get(key, "rate" if section == "revenue" else "number")
            book.text(sheet, row, 0, section)
            book.text(sheet, row, 1, key)
            book.number(sheet, row, 2, value, style)
            row += 1


_SERIES_COLUMNS = (  # (column of the series, label key or text, style)
    ("mrr", "mrr", "money"), ("customers", "customers", "count"), ("new", "new", "money"),
    ("expansion", "expansion", "money"), ("reactivation", "reactivation", "money"),
    ("contraction", "contraction", "money"), ("churn", "churn", "money"), ("net_new", "net_new", "money"),
    ("new_customers", None, "count"), ("reactivated_customers", None, "count"), ("churned_customers", None, "count"),
    ("arpa", "arpa", "money"), ("logo_churn_rate", "logo_churn", "rate"), ("nrr_monthly", "nrr", "rate"),
)
_COUNT_HEADERS = {
    "en": {"new_customers": "New customers", "reactivated_customers": "Reactivated customers",
           "churned_customers": "Churned customers"},
    "fr": {"new_customers": "Nouveaux clients", "reactivated_customers": "Clients réactivés",
           "churned_customers": "Clients perdus"},
}


def _monthly_series(book: _Book, update: InvestorUpdate, report: Report) -> None:
    sheet = book.workbook.add_worksheet("Monthly series")
    w = book.words
    frame = report.series_frame()
    if report.revenue is None or frame.empty:
        book.text(sheet, 0, 0, w["no_revenue"])
        return
    kpis = report.revenue.kpis.loc[frame.index]
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, len(_SERIES_COLUMNS), 13)
    book.text(sheet, 0, 0, w["month"], "header")
    for col, (column, label, _) in enumerate(_SERIES_COLUMNS, start=1):
        header = w[label] if label else _COUNT_HEADERS[update.language][column]
        book.text(sheet, 0, col, header, "header")
    net = frame[list(GAINS)].sum(axis=1) - frame[list(LOSSES)].sum(axis=1)
    for i, month in enumerate(frame.index, start=1):
        book.text(sheet, i, 0, str(month))
        for col, (column, _, style) in enumerate(_SERIES_COLUMNS, start=1):
            if column == "net_new":
                value = net.loc[month]
            elif column in frame.columns:
                value = frame.at[month, column]
            else:
                value = kpis.at[month, column]
            book.number(sheet, i, col, value, style)
    n = len(frame)
    # Chart data: losses as negative numbers, so the stacked columns go below zero.
    chart_col = len(_SERIES_COLUMNS) + 2
    book.text(sheet, 0, chart_col, f"{w['chart_data']}: −{w['contraction']}", "header")
    book.text(sheet, 0, chart_col + 1, f"{w['chart_data']}: −{w['churn']}", "header")
    sheet.set_column(chart_col, chart_col + 1, 16)
    for i, month in enumerate(frame.index, start=1):
        book.number(sheet, i, chart_col, -frame.at[month, "contraction"], "money")
        book.number(sheet, i, chart_col + 1, -frame.at[month, "churn"], "money")
    name = "Monthly series"
    categories = [name, 1, 0, n, 0]
    line = book.workbook.add_chart({"type": "line"})
    line.add_series({"name": [name, 0, 1], "categories": categories, "values": [name, 1, 1, n, 1],
                     "line": {"color": "#" + PALETTE["mrr"], "width": 2.5}})
    line.set_title({"name": w["trend"], "name_font": {"size": 12, "bold": True}})
    line.set_legend({"none": True})
    line.set_y_axis({"num_format": book._money_format().replace(".00", ""), "major_gridlines": {
        "visible": True, "line": {"color": "#" + PALETTE["line"]}}})
    line.set_x_axis({"interval_unit": 3})
    line.set_size({"width": 760, "height": 320})
    sheet.insert_chart(1, chart_col + 3, line)
    column = book.workbook.add_chart({"type": "column", "subtype": "stacked"})
    sources = [(3, "new"), (4, "expansion"), (5, "reactivation")]
    for col, key in sources:
        column.add_series({"name": [name, 0, col], "categories": categories, "values": [name, 1, col, n, col],
                           "fill": {"color": "#" + PALETTE[key]}, "gap": 40})
    for offset, key in ((0, "contraction"), (1, "churn")):
        column.add_series({"name": [name, 0, chart_col + offset], "categories": categories,
                           "values": [name, 1, chart_col + offset, n, chart_col + offset],
                           "fill": {"color": "#" + PALETTE[key]}, "gap": 40})
    column.set_title({"name": w["movements"], "name_font": {"size": 12, "bold": True}})
    column.set_legend({"position": "bottom"})
    column.set_y_axis({"num_format": book._money_format().replace(".00", "")})
    column.set_x_axis({"interval_unit": 3, "label_position": "low"})
    column.set_size({"width": 760, "height": 320})
    sheet.insert_chart(18, chart_col + 3, column)


_MOVEMENT_LABELS = {"en": {"new": "New", "expansion": "Expansion", "reactivation": "Reactivation",
                           "contraction": "Contraction", "churn": "Churn"},
                    "fr": {"new": "Nouveau", "expansion": "Expansion", "reactivation": "Réactivation",
                           "contraction": "Contraction", "churn": "Churn"}}


def _movements(book: _Book, update: InvestorUpdate, report: Report) -> None:
    sheet = book.workbook.add_worksheet("Movements")
    w = book.words
    details = period_movements(update, report)
    sheet.freeze_panes(3, 0)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 34)
    sheet.set_column(3, 6, 14)
    book.text(sheet, 0, 0, f"{w['movements']} — {update.period_label}", "title")
    headers = (w["month"], w["customer_id"], w["customer"], w["movement"], w["previous_mrr"], w["current_mrr"],
               w["mrr_change"])
    for col, header in enumerate(headers):
        book.text(sheet, 2, col, header, "header")
    for row, item in enumerate(details.itertuples(index=False), start=3):
        book.text(sheet, row, 0, str(item.month))
        book.user(sheet, row, 1, item.customer_id)
        book.user(sheet, row, 2, item.name)
        book.text(sheet, row, 3, _MOVEMENT_LABELS[update.language][item.movement])
        book.number(sheet, row, 4, item.previous, "money")
        book.number(sheet, row, 5, item.current, "money")
        book.number(sheet, row, 6, item.change, "money")
    if len(details):
        sheet.autofilter(2, 0, 2 + len(details), len(headers) - 1)


def _cohorts(book: _Book, update: InvestorUpdate, report: Report) -> None:
    sheet = book.workbook.add_worksheet("Cohorts")
    w = book.words
    cohorts = report.cohorts
    if cohorts is None or cohorts.sizes.empty:
        book.text(sheet, 0, 0, w["none"])
        return
    age_letter = w[f"age_{cohorts.period}"]
    width = cohorts.logo.shape[1]
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 1 + width, 6.5)
    sheet.freeze_panes(0, 2)
    row = 0
    for kind, title in (("logo", w["cohorts_logo"]), ("revenue", w["cohorts_revenue"])):
        matrix = getattr(cohorts, kind)
        book.text(sheet, row, 0, title, "heading")
        row += 1
        book.text(sheet, row, 0, w["cohort"], "header")
        book.text(sheet, row, 1, w["size"], "header")
        for age in range(width):
            book.text(sheet, row, 2 + age, f"{age_letter}{age}", "header")
        first = row + 1
        for cohort, values in zip(matrix.index, matrix.to_numpy(dtype=float), strict=True):
            row += 1
            book.text(sheet, row, 0, str(cohort))
            book.number(sheet, row, 1, cohorts.sizes.loc[cohort], "count")
            for age, value in enumerate(values):
                if not math.isnan(value):
                    book.number(sheet, row, 2 + age, value, "percent0")
        sheet.conditional_format(first, 2, row, 1 + width, {
            "type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B"})
        row += 3


def _nps(book: _Book, update: InvestorUpdate, report: Report) -> None:
    sheet = book.workbook.add_worksheet("NPS by segment")
    w = book.words
    n = update.numbers
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 7, 12)
    book.text(sheet, 0, 0, f"{w['nps_by_segment']} — {update.period_label}", "title")
    if report.nps is None:
        book.text(sheet, 2, 0, w["none"])
        return
    overall = f"{w['nps']} {n.points(report.nps.score)} — {w['responses_note'].format(n=n.count(report.nps.n))}"
    book.text(sheet, 1, 0, overall, "subtitle")
    breakdown = nps_breakdown(report)
    if breakdown is None:
        return
    headers = (w["segment"], w["responses"], w["promoters"], w["passives"], w["detractors"], w["score"],
               w["ci_low"], w["ci_high"])
    for col, header in enumerate(headers):
        book.text(sheet, 3, col, header, "header")
    table = breakdown.table
    for row, (segment, values) in enumerate(table.iterrows(), start=4):
        book.user(sheet, row, 0, segment)
        for col, (column, style) in enumerate((("n", "count"), ("promoters", "count"), ("passives", "count"),
                                               ("detractors", "count"), ("score", "points"), ("ci_low", "points"),
                                               ("ci_high", "points")), start=1):
            book.number(sheet, row, col, values[column], style)
    last = 3 + len(table)
    book.text(sheet, last + 2, 0, segment_verdict(breakdown, update.language), "subtitle")
    chart = book.workbook.add_chart({"type": "column"})
    name = "NPS by segment"
    chart.add_series({"name": [name, 3, 5], "categories": [name, 4, 0, last, 0], "values": [name, 4, 5, last, 5],
                      "fill": {"color": "#" + PALETTE["mrr"]}, "gap": 60,
                      "data_labels": {"value": True, "num_format": "+0;-0;0"}})
    chart.set_title({"name": w["nps_by_segment"], "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"min": -100, "max": 100, "major_unit": 25, "num_format": "+0;-0;0",
                      "major_gridlines": {"visible": True, "line": {"color": "#" + PALETTE["line"]}}})
    chart.set_x_axis({"label_position": "low"})
    chart.set_size({"width": 640, "height": 320})
    sheet.insert_chart(last + 4, 0, chart)
