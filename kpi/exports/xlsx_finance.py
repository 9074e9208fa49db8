"""The workbook's finance sheets, from the update's finance part (`kpi.report.update_finance`):

- Cash & runway: one row per month up to the period's end — cash, inflow, outflow, financing, net
  burn, 3-month net burn, gross burn, runway (months), burn multiple — under the period's figures,
  with a native line chart of cash;
- Plan vs actual: every planned key and month — plan, actual, variance, attainment;
- Forecast: month, p10, p50, p90 of the 12 months after as-of, then the backtest's figures.
A sheet whose part is missing is not added. `book` is `kpi.exports.xlsx._Book` (its formats and
its `text`, `number` writers): numbers are numbers, texts are strings, never formulas.
"""

from __future__ import annotations

from kpi.report import narrative as words
from kpi.report.update import PALETTE, InvestorUpdate
from kpi.report.update_finance import plan_kind, plan_label

FINANCE_SHEETS = ("Cash & runway", "Plan vs actual", "Forecast")
CASH_COLUMNS = (("cash", "money"), ("inflow", "money"), ("outflow", "money"), ("financing", "money"),
                ("net_burn", "money"), ("net_burn_3m", "money"), ("gross_burn", "money"),
                ("runway_months", "months"), ("burn_multiple", "ratio"))


def finance_sheets(book, update: InvestorUpdate) -> None:
    """Adds the sheets of FINANCE_SHEETS the update has data for."""
    part = update.finance
    if part is None:
        return
    if part.figures is not None and part.by_month is not None:
        _cash(book, update)
    if part.plan_table is not None and len(part.plan_table):
        _plan(book, update)
    if part.forecast is not None:
        _forecast(book, update)


def _cash(book, update: InvestorUpdate) -> None:
    name = FINANCE_SHEETS[0]
    sheet = book.workbook.add_worksheet(name)
    part = update.finance
    w, f = part.labels, part.figures
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, len(CASH_COLUMNS), 15)
    book.text(sheet, 0, 0, f"{w['cash_runway']} — {update.period_label}", "title")
    summary = [(w["cash"], f.cash, "money"), (f"{w['net_burn']} ({w['a_month']})", f.net_burn, "money"),
               (w["gross_burn"], f.gross_burn, "money"), (w["runway_months"], f.runway_months, "months"),
               (w["burn_multiple"], f.burn_multiple, "ratio")]
    for row, (label, value, style) in enumerate(summary, start=2):
        book.text(sheet, row, 0, label, "header")
        book.number(sheet, row, 1, value, style)
    zero = words.month_label(f.cash_zero_month, update.language) if f.cash_zero_month is not None else ""
    book.text(sheet, 7, 0, w["cash_zero"], "header")
    book.text(sheet, 7, 1, zero)
    sentences = [s for s in part.sentences if s.startswith(("Runway", "Autonomie", "Not burning", "Pas de"))]
    book.text(sheet, 8, 0, " ".join(sentences), "subtitle")
    first = 10
    book.text(sheet, first, 0, w["month"], "header")
    for col, (column, _) in enumerate(CASH_COLUMNS, start=1):
        book.text(sheet, first, col, w[column], "header")
    frame = part.by_month
    for i, (month, values) in enumerate(frame.iterrows(), start=first + 1):
        book.text(sheet, i, 0, str(month))
        for col, (column, style) in enumerate(CASH_COLUMNS, start=1):
            book.number(sheet, i, col, values[column], style)
    last = first + len(frame)
    sheet.freeze_panes(first + 1, 1)
    chart = book.workbook.add_chart({"type": "line"})
    chart.add_series({"name": [name, first, 1], "categories": [name, first + 1, 0, last, 0],
                      "values": [name, first + 1, 1, last, 1], "line": {"color": "#" + PALETTE["navy"], "width": 2.5}})
    chart.set_title({"name": w["cash"], "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": book._money_format().replace(".00", ""),
                      "major_gridlines": {"visible": True, "line": {"color": "#" + PALETTE["line"]}}})
    chart.set_size({"width": 640, "height": 300})
    sheet.insert_chart(first, len(CASH_COLUMNS) + 2, chart)  # right of the table


def _plan(book, update: InvestorUpdate) -> None:
    sheet = book.workbook.add_worksheet(FINANCE_SHEETS[1])
    w = update.finance.labels
    table = update.finance.plan_table
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 6, 14)
    book.text(sheet, 0, 0, w["plan"], "title")
    headers = (w["kpi"], w["key"], w["month"], w["planned"], w["actual"], w["variance"], w["attainment"])
    for col, header in enumerate(headers):
        book.text(sheet, 2, col, header, "header")
    for row, item in enumerate(table.itertuples(index=False), start=3):
        kind = plan_kind(item.key)
        book.text(sheet, row, 0, plan_label(item.key, update.language))
        book.text(sheet, row, 1, item.key, "subtitle")
        book.text(sheet, row, 2, str(item.month))
        book.number(sheet, row, 3, item.plan, kind)
        book.number(sheet, row, 4, item.actual, kind)
        book.number(sheet, row, 5, item.variance, kind)
        book.number(sheet, row, 6, item.attainment, "rate")
    sheet.freeze_panes(3, 0)
    sheet.autofilter(2, 0, 2 + len(table), len(headers) - 1)


def _forecast(book, update: InvestorUpdate) -> None:
    sheet = book.workbook.add_worksheet(FINANCE_SHEETS[2])
    part = update.finance
    w, forecast = part.labels, part.forecast
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 15)
    book.text(sheet, 0, 0, w["forecast"], "title")
    for col, header in enumerate((w["month"], w["p10"], w["p50"], w["p90"])):
        book.text(sheet, 2, col, header, "header")
    for row, (month, values) in enumerate(forecast.months.iterrows(), start=3):
        book.text(sheet, row, 0, str(month))
        for col, column in enumerate(("p10", "p50", "p90"), start=1):
            book.number(sheet, row, col, values[column], "money")
    row = 4 + len(forecast.months)
    book.text(sheet, row, 0, w["backtest"], "heading")
    test = forecast.backtest
    for offset, (label, value, style) in enumerate(((w["origins"], test.origins, "count"),
                                                    (w["mape_h3"], test.mape_h3, "rate"),
                                                    (w["naive_mape_h3"], test.naive_mape_h3, "rate"),
                                                    (w["coverage_80"], test.coverage_80, "rate")), start=1):
        book.text(sheet, row + offset, 0, label, "header")
        book.number(sheet, row + offset, 1, value, style)
    book.text(sheet, row + 6, 0, w["method"], "heading")
    book.text(sheet, row + 7, 0, forecast.method, "subtitle")
