"""The investor update's finance half (kpi/report/update_finance.py) by hand on tiny canonical tables:
cash, burn and runway of the period, plan vs actual, their highlights, lowlights and sentences in
English and French."""

import io

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.dml import MSO_LINE_DASH_STYLE

from kpi.demo import load_demo
from kpi.exports.html import to_html, to_markdown
from kpi.exports.pptx import to_pptx
from kpi.exports.xlsx import SHEETS, to_xlsx
from kpi.ingest.mapping import Tables
from kpi.report.build import build_report
from kpi.report.narrative import NBSP, THIN
from kpi.report.update import investor_update
from kpi.report.update_finance import cash_figures

S = NBSP


def subscriptions() -> pd.DataFrame:
    """MRR: January 150 (c1 100 + c2 50), February 350 (+ c3 200), March 300 (c2 ended on 1 March)."""
    rows = [("c1", "2026-01-01", None, 100.0), ("c2", "2026-01-01", "2026-03-01", 50.0),
            ("c3", "2026-02-01", None, 200.0)]
    return pd.DataFrame({"customer_id": [r[0] for r in rows], "start_date": pd.to_datetime([r[1] for r in rows]),
                         "end_date": pd.to_datetime([r[2] for r in rows]), "amount": [r[3] for r in rows],
                         "currency": "EUR"})


def bank(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime([r[0] for r in rows]), "label": [r[1] for r in rows],
                         "amount": [r[2] for r in rows], "balance": [r[3] for r in rows]})


# Opening cash 30,000. Net burn: January 5,000 − 150 = 4,850; February 5,000 − 350 = 4,650;
# March 6,000 − 300 = 5,700; 3-month average 5,066.67. Cash at the end of March 14,800.
# Runway 14,800 ÷ 5,066.67 = 2.92 months → cash runs out in 2026-03 + 2 = May 2026.
BURNING = bank([
    ("2026-01-05", "VIR STRIPE", 150.0, 30_150.0), ("2026-01-25", "Salaires", -5_000.0, 25_150.0),
    ("2026-02-05", "VIR STRIPE", 350.0, 25_500.0), ("2026-02-25", "Salaires", -5_000.0, 20_500.0),
    ("2026-03-05", "VIR STRIPE", 300.0, 20_800.0), ("2026-03-25", "Salaires", -6_000.0, 14_800.0),
])
# Cash-flow positive: each month brings in more than it spends (net burn −1,000, −2,000, −3,000).
POSITIVE = bank([
    ("2026-01-05", "VIR STRIPE", 2_000.0, 12_000.0), ("2026-01-25", "Salaires", -1_000.0, 11_000.0),
    ("2026-02-05", "VIR STRIPE", 3_000.0, 14_000.0), ("2026-02-25", "Salaires", -1_000.0, 13_000.0),
    ("2026-03-05", "VIR STRIPE", 4_000.0, 17_000.0), ("2026-03-25", "Salaires", -1_000.0, 16_000.0),
])
# March plan: MRR 400 (actual 300: 25 % under, missed), net burn 5,000 (actual 5,700: 14 % over,
# missed), cash 10,000 (actual 14,800: 48 % over, beaten), paying customers 2 (actual 2: on plan).
PLAN = pd.DataFrame({"metric": ["MRR", "Burn net", "Trésorerie", "Clients payants", "MRR"],
                     "month": pd.to_datetime(["2026-03-01"] * 4 + ["2026-02-01"]),
                     "value": [400.0, 5_000.0, 10_000.0, 2.0, 300.0]})


def report_of(cash: pd.DataFrame | None = None, plan: pd.DataFrame | None = None):
    tables = {"subscriptions": subscriptions()}
    if cash is not None:
        tables["cash"] = cash
    if plan is not None:
        tables["plan"] = plan
    return build_report(Tables(tables, {}), "2026-03")


@pytest.fixture(scope="module")
def burning():
    return report_of(BURNING, PLAN)


def test_the_quarter_s_cash_burn_and_runway_by_hand(burning):
    update = investor_update(burning, "quarter", language="en")
    figures = update.finance.figures
    assert figures.month == pd.Period("2026-03")
    assert figures.cash == 14_800.0
    assert figures.net_burn == pytest.approx((4_850 + 4_650 + 5_700) / 3)  # mean over the quarter's months
    assert figures.gross_burn == pytest.approx((5_000 + 5_000 + 6_000) / 3)
    assert figures.runway_months == pytest.approx(14_800 / ((4_850 + 4_650 + 5_700) / 3))
    assert figures.cash_zero_month == pd.Period("2026-05")
    assert update.finance.comparison is None  # the bank export starts in January: no Q4 2025


def test_a_month_reads_the_3_month_burn_and_compares_with_the_month_before(burning):
    update = investor_update(burning, "month", language="en")
    figures, before = update.finance.figures, update.finance.comparison
    assert figures.net_burn == pytest.approx((4_850 + 4_650 + 5_700) / 3) and figures.gross_burn == 6_000.0
    assert before.month == pd.Period("2026-02") and before.cash == 20_500.0
    assert before.net_burn == pytest.approx((4_850 + 4_650) / 2)  # the months the export has
    assert before.runway_months == pytest.approx(20_500 / 4_750)


def test_a_quarter_to_date_averages_the_burn_of_its_months_only():
    by_month = pd.DataFrame({"cash": [100.0, 90.0, 70.0, 40.0], "net_burn": [5.0, 10.0, 20.0, 30.0],
                             "net_burn_3m": [5.0, 7.5, 35 / 3, 20.0], "gross_burn": [6.0, 11.0, 21.0, 31.0],
                             "burn_multiple": [None, None, None, 2.0]},
                            index=pd.period_range("2026-01", "2026-04", freq="M"))
    april = cash_figures(by_month, (pd.Period("2026-04"),), "quarter")
    assert april.net_burn == 30.0 and april.runway_months == pytest.approx(40 / 30) and april.burn_months == 1
    assert april.cash_zero_month == pd.Period("2026-05") and april.burn_multiple == 2.0


def test_runway_under_12_months_is_a_lowlight_in_english_and_french(burning):
    english = investor_update(burning, "quarter", language="en")
    text = "Runway 2.9\u00a0months at the last quarter's burn: cash runs out in May 2026"
    assert any(o.text == text and o.rule == "runway" for o in english.lowlights)
    assert f"{text}." in english.narrative
    french = investor_update(burning, "quarter", language="fr")
    texte = (f"Autonomie de 2,9{S}mois au rythme de consommation du dernier trimestre{S}: "
             "la trésorerie serait épuisée en mai 2026")
    assert any(o.text == texte for o in french.lowlights)
    assert f"{texte}." in french.narrative


def test_the_cash_sentence_names_cash_and_the_burn_a_month(burning):
    english = investor_update(burning, "quarter", language="en")
    assert "Cash €14.8k; net burn €5.07k a month." in english.narrative
    french = investor_update(burning, "month", language="fr")
    assert (f"Trésorerie 14,8{S}k€{S}; burn net 5,07{S}k€ par mois (4,75{S}k€ en février 2026)."
            in french.narrative)


def test_a_missed_plan_is_a_lowlight_and_a_beaten_one_a_highlight(burning):
    update = investor_update(burning, "quarter", language="en")
    lowlights = {o.key: o.text for o in update.lowlights if o.rule == "plan"}
    assert lowlights == {"mrr": "MRR €300, 25\u00a0% under plan (€400)",
                         "net_burn": "Net burn €5.70k, 14\u00a0% over plan (€5.00k)"}
    highlights = {o.key: o.text for o in update.highlights if o.rule == "plan"}
    assert highlights == {"cash": "Cash €14.8k, 48\u00a0% over plan (€10.0k)"}  # paying customers on plan: nothing
    assert ("MRR €300, 25\u00a0% under plan (€400); cash €14.8k, 48\u00a0% over plan (€10.0k); "
            "net burn €5.70k, 14\u00a0% over plan (€5.00k).") in update.narrative
    french = investor_update(burning, "quarter", language="fr")
    assert f"MRR 300{S}€, 25{S}% sous le plan (400{S}€)" in [o.text for o in french.lowlights]


def test_plan_rows_of_the_period_s_last_month_with_their_texts(burning):
    rows = {row.key: row for row in investor_update(burning, "month", language="fr").finance.plan_rows}
    assert list(rows) == ["mrr", "customers", "cash", "net_burn"]  # the plan's key order
    cash = rows["cash"]
    assert (cash.plan, cash.actual, cash.variance) == (10_000.0, 14_800.0, 4_800.0)
    assert (cash.plan_text, cash.actual_text, cash.variance_text, cash.attainment_text) == (
        f"10,0{S}k€", f"14,8{S}k€", f"+4,80{S}k€", f"148{S}%")
    assert rows["customers"].good is None and rows["customers"].actual_text == "2"


def test_cash_flow_positive_gives_its_own_sentence_and_no_runway():
    update = investor_update(report_of(POSITIVE), "quarter", language="en")
    assert update.finance.figures.runway_months is None and update.finance.figures.cash_zero_month is None
    assert "Runway" not in update.narrative and not any(o.rule == "runway" for o in update.lowlights)
    text = "Not burning: cash grew by €6.00k over the quarter"  # 1,000 + 2,000 + 3,000
    assert f"{text}." in update.narrative
    assert any(o.text == text for o in update.highlights)
    french = investor_update(report_of(POSITIVE), "month", language="fr")
    assert (f"Pas de consommation de trésorerie{S}: la trésorerie a augmenté de 6,00{S}k€ sur les 3 derniers mois."
            in french.narrative)


def test_a_long_runway_is_a_highlight():
    rich = BURNING.assign(balance=BURNING["balance"] + 200_000.0)  # 214,800 ÷ 5,066.67 = 42.4 months
    update = investor_update(report_of(rich), "quarter", language="en")
    assert ("Runway 42.4\u00a0months at the last quarter's burn: cash runs out in September 2029"
            in [o.text for o in update.highlights])


def test_without_cash_plan_or_forecast_the_update_has_no_finance_part():
    update = investor_update(report_of(), "quarter", language="en")
    assert update.finance is None and update.facts.finance == ()
    assert not any(o.rule in ("runway", "plan") for o in update.highlights + update.lowlights)
    assert "Cash" not in update.narrative and "forecast" not in update.narrative


def test_the_forecast_sentence_of_the_demo_in_english_and_french():
    report = build_report(load_demo())
    forecast = report.forecast
    english = investor_update(report, language="en")
    assert english.finance.forecast is forecast
    assert english.finance.figures.cash == report.finance.value("cash")  # the demo has a bank export
    assert english.narrative.endswith(
        "MRR is forecast at €104.5k in 12 months (80\u00a0% band €88.9k–€125.9k); "
        "backtest error at 3 months 8.6\u00a0% vs 7.2\u00a0% for a straight line.")
    assert forecast.months["p50"].iloc[-1] == pytest.approx(104_505.5, abs=1)
    french = investor_update(report, language="fr")
    assert french.narrative.endswith(
        f"Le MRR est prévu à 104,5{S}k€ dans 12 mois (intervalle à 80{S}%{S}: 88,9{S}k€–125,9{S}k€){S}; "
        f"erreur du backtest à 3 mois 8,6{S}% contre 7,2{S}% pour une droite.")
    assert THIN not in french.narrative.split("Le MRR est prévu")[1]


# ── the exports ──────────────────────────────────────────────────────────────────────────


def _deck_titles(data: bytes) -> list[list[str]]:
    deck = Presentation(io.BytesIO(data))
    return [[shape.text_frame.text for shape in slide.shapes if shape.has_text_frame and shape.text_frame.text]
            for slide in deck.slides]


def test_the_deck_has_cash_and_plan_slides_with_their_numbers(burning):
    update = investor_update(burning, "quarter", language="en")
    data = to_pptx(update, burning)
    slides = _deck_titles(data)
    titles = [texts[1] for texts in slides[1:]]
    assert titles[-2:] == ["Cash & runway — Q1 2026", "Plan vs actual — March 2026"]
    cash = slides[-2]
    for text in ("Runway", "2.9\u00a0months", "Cash-zero month", "May 2026", "€14.8k", "€5.07k", "Burn multiple"):
        assert text in cash
    assert "Runway 2.9\u00a0months at the last quarter's burn: cash runs out in May 2026." in cash
    deck = Presentation(io.BytesIO(data))
    charts = [shape.chart for shape in deck.slides[len(slides) - 2].shapes if shape.has_chart]
    assert [tuple(chart.plots[0].series[0].values) for chart in charts] == [
        (25_150.0, 20_500.0, 14_800.0), (4_850.0, 4_650.0, 5_700.0)]  # cash, then net burn
    table = next(shape.table for shape in deck.slides[len(slides) - 1].shapes if shape.has_table)
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["KPI", "Plan", "Actual", "Variance", "Attainment"]
    assert rows[1:] == [["MRR", "€400", "€300", "−€100", "75\u00a0%"], ["Paying customers", "2", "2", "0", "100\u00a0%"],
                        ["Cash", "€10.0k", "€14.8k", "+€4.80k", "148\u00a0%"],
                        ["Net burn", "€5.00k", "€5.70k", "+€700", "114\u00a0%"]]


def test_the_french_deck_names_its_finance_slides_in_french(burning):
    slides = _deck_titles(to_pptx(investor_update(burning, "quarter", language="fr"), burning))
    assert [texts[1] for texts in slides[-2:]] == ["Trésorerie et autonomie — T1 2026", "Réalisé vs plan — mars 2026"]
    assert "mai 2026" in slides[-2]


def test_the_demo_deck_ends_with_the_forecast_slide():
    report = build_report(load_demo())
    update = investor_update(report)
    data = to_pptx(update, report)
    slides = _deck_titles(data)
    assert slides[-1][1] == "MRR forecast"
    assert any(text.startswith("MRR is forecast at €104.5k in 12 months") for text in slides[-1])
    deck = Presentation(io.BytesIO(data))
    chart = next(shape.chart for shape in deck.slides[len(slides) - 1].shapes if shape.has_chart)
    series = {s.name: s.values for s in chart.plots[0].series}
    assert list(series) == ["MRR (actual)", "Forecast (median)", "High (p90)", "Low (p10)"]
    forecast = report.forecast.months
    assert series["Forecast (median)"][-12:] == pytest.approx(tuple(forecast["p50"]))
    assert series["Low (p10)"][-1] == pytest.approx(forecast["p10"].iloc[-1])
    assert series["MRR (actual)"][23] == pytest.approx(float(report.revenue.series.at[report.as_of, "mrr"]))
    dashes = [s.format.line.dash_style for s in chart.plots[0].series]
    assert dashes[0] is None and dashes[1] == MSO_LINE_DASH_STYLE.DASH


def test_the_workbook_has_cash_plan_and_their_values(burning):
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(investor_update(burning, "quarter"), burning)))
    assert book.sheetnames[-2:] == ["Cash & runway", "Plan vs actual"]
    cash = [row for row in book["Cash & runway"].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(cash) if row[0] == "Month")
    assert cash[header] == ("Month", "Cash", "Inflow", "Outflow", "Financing", "Net burn", "Net burn (3-month avg)",
                            "Gross burn", "Runway (months)", "Burn multiple")
    march = cash[header + 3]
    assert march[:8] == ("2026-03", 14_800, 300, 6_000, 0, 5_700, pytest.approx(15_200 / 3), 6_000)
    assert march[8] == pytest.approx(14_800 / (15_200 / 3)) and march[9] is None
    assert ("Cash-zero month", "May 2026") == cash[7][:2]
    plan = [row[:7] for row in book["Plan vs actual"].iter_rows(min_row=4, values_only=True)]
    assert plan[0] == ("MRR", "mrr", "2026-02", 300, 350, 50, pytest.approx(350 / 300))  # every planned month
    assert ("Net burn", "net_burn", "2026-03", 5_000, 5_700, 700, pytest.approx(1.14)) in plan


def test_the_demo_workbook_has_the_forecast_and_its_backtest():
    report = build_report(load_demo())
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(investor_update(report), report)))
    assert book.sheetnames[-3:] == ["Cash & runway", "Plan vs actual", "Forecast"]
    rows = list(book["Forecast"].iter_rows(values_only=True))
    forecast = report.forecast
    assert rows[2][:4] == ("Month", "Low (p10)", "Forecast (p50)", "High (p90)")
    assert rows[3][:4] == ("2026-11", *(pytest.approx(forecast.months[c].iloc[0]) for c in ("p10", "p50", "p90")))
    figures = {row[0]: row[1] for row in rows if row[0]}
    assert figures["Origins"] == forecast.backtest.origins
    assert figures["Error at 3 months (MAPE)"] == pytest.approx(forecast.backtest.mape_h3)
    assert figures["Straight line's error at 3 months"] == pytest.approx(forecast.backtest.naive_mape_h3)


def test_the_html_report_and_markdown_have_the_finance_sections(burning):
    update = investor_update(burning, "quarter")
    text = to_html(update, burning)
    assert 'id="cash-runway"' in text and 'id="chart-cash"' in text and 'id="plan-vs-actual"' in text
    assert ('<tr data-key="mrr"><td>MRR</td><td class="muted">€400</td><td class="value">€300</td>'
            '<td class="bad">−€100</td><td class="bad">75\u00a0%</td></tr>') in text
    assert 'id="forecast"' not in text  # three months of history: no forecast
    markdown = to_markdown(update, burning)
    assert "## Cash, plan and forecast\n\nCash €14.8k; net burn €5.07k a month. Runway 2.9" in markdown


def test_the_demo_html_report_draws_the_forecast_dashed_and_banded():
    report = build_report(load_demo())
    text = to_html(investor_update(report), report)
    section = text[text.index('id="forecast"'):]
    assert 'id="chart-forecast"' in section and '"dash":"dash"' in section and '"fill":"tonexty"' in section
    assert '"name":"Forecast (median)"' in section and "backtest error at 3 months 8.6" in section


def test_a_report_without_cash_plan_or_forecast_exports_as_before():
    report = report_of()
    update = investor_update(report, "quarter")
    slides = _deck_titles(to_pptx(update, report))
    assert not any(texts[1:2] and texts[1].startswith(("Cash", "Plan", "MRR forecast")) for texts in slides)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(update, report)))
    assert book.sheetnames == list(SHEETS)
    text = to_html(update, report)
    assert not any(f'id="{section}"' in text for section in ("cash-runway", "plan-vs-actual", "forecast"))
    assert "## Cash, plan and forecast" not in to_markdown(update, report)
