"""Plan vs actual (kpi.metrics.plan) and the finance half of the JSON report, by hand."""

import datetime
import json

import openpyxl
import pandas as pd
import pytest

from kpi.__main__ import main
from kpi.metrics.plan import PlanVsActual, metric_keys, plan_key, plan_vs_actual, planned


@pytest.mark.parametrize(("name", "key"), [
    ("MRR", "mrr"), ("MRR fin de mois", "mrr"), ("Monthly recurring revenue", "mrr"), ("ARR", "arr"),
    ("Clients payants", "customers"), ("Paying customers", "customers"), ("New MRR", "new"),
    ("Nouveaux clients", "new_customers"), ("Churned MRR", "churn"), ("MRR perdu", "churn"),
    ("Taux de churn", "logo_churn_rate"), ("NRR", "nrr_monthly"), ("ARPA", "arpa"), ("Trésorerie", "cash"),
    ("Cash at month end", "cash"), ("Burn", "net_burn"), ("Burn net", "net_burn"), ("Gross burn", "gross_burn"),
    ("Dépenses totales", "costs"), ("Net new MRR", "net_new_mrr"), ("Clients perdus", "churned_customers"),
])
def test_budget_row_names_in_english_and_french_read_as_report_keys(name, key):
    assert plan_key(name) == key


@pytest.mark.parametrize("name", ["Chiffre d'affaires", "Headcount", "Hébergement", "R&D payroll", "dont services", ""])
def test_rows_that_are_no_report_key_are_not_compared(name):
    assert plan_key(name) is None


def plan_rows(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"metric": [r[0] for r in rows], "month": pd.to_datetime([r[1] for r in rows]),
                         "value": [r[2] for r in rows]})


def test_rates_in_percent_movements_and_burns_written_as_outflows_are_read_in_the_report_s_units():
    rows = planned(plan_rows([
        ("Taux de churn", "2026-01-01", 2.5), ("NRR", "2026-01-01", 101.0), ("Churned MRR", "2026-01-01", -1_100.0),
        ("Net burn", "2026-01-01", -41_000.0), ("Net burn", "2026-02-01", -39_000.0), ("MRR", "2026-01-01", 52_000.0),
        ("MRR total", "2026-01-01", 99.0),  # a second MRR row for the same month: the first one counts
    ])).set_index(["key", "month"])["value"]
    january = pd.Period("2026-01")
    assert rows[("logo_churn_rate", january)] == pytest.approx(0.025)
    assert rows[("nrr_monthly", january)] == pytest.approx(1.01)
    assert rows[("churn", january)] == 1_100.0
    assert rows[("net_burn", january)] == 41_000.0 and rows[("net_burn", pd.Period("2026-02"))] == 39_000.0
    assert rows[("mrr", january)] == 52_000.0


def test_a_user_s_choice_wins_over_the_name():
    names = metric_keys(pd.Series(["Burn", "Headcount"]), {"Burn": "gross_burn", "Headcount": ""})
    assert names.to_dict("records") == [
        {"name": "Burn", "key": "gross_burn", "source": "your choice"},
        {"name": "Headcount", "key": None, "source": "your choice"}]


def test_plan_vs_actual_by_hand():
    rows = planned(plan_rows([("MRR", "2026-01-01", 100.0), ("MRR", "2026-02-01", 200.0),
                              ("Customers", "2026-02-01", 0.0), ("MRR", "2026-03-01", 300.0)]))
    actuals = pd.DataFrame({"mrr": [90.0, 210.0], "customers": [1.0, 2.0]}, index=pd.period_range("2026-01", "2026-02",
                                                                                               freq="M"))
    table = plan_vs_actual(rows, actuals)
    expected = pd.DataFrame({
        "key": ["mrr", "mrr", "customers", "mrr"],
        "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-02", "2026-03"], freq="M"),
        "plan": [100.0, 200.0, 0.0, 300.0], "actual": [90.0, 210.0, 2.0, float("nan")],
        "variance": [-10.0, 10.0, 2.0, float("nan")], "attainment": [0.9, 1.05, float("nan"), float("nan")]})
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    result = PlanVsActual(pd.Period("2026-02"), table, metric_keys(pd.Series(["MRR"])))
    assert result.to_json() == {"mrr": {"plan": 200.0, "actual": 210.0, "variance": 10.0, "attainment": 1.05},
                                "customers": {"plan": 0.0, "actual": 2.0, "variance": 2.0, "attainment": None}}


def test_missed_is_more_than_ten_percent_on_the_wrong_side():
    rows = planned(plan_rows([("MRR", "2026-01-01", 100.0), ("Net burn", "2026-01-01", 100.0),
                              ("ARPA", "2026-01-01", 100.0), ("Churned MRR", "2026-01-01", 100.0)]))
    actuals = pd.DataFrame({"mrr": [85.0], "net_burn": [115.0], "arpa": [95.0], "churn": [80.0]},
                           index=pd.PeriodIndex(["2026-01"], freq="M"))
    result = PlanVsActual(pd.Period("2026-01"), plan_vs_actual(rows, actuals), pd.DataFrame())
    assert sorted(result.missed().index) == ["mrr", "net_burn"]  # ARPA 5 % under, churn under plan: fine


# ── the whole report from one workbook, with no mapping ──────────────────────────────────────
# MRR: January 150 (c1 100 + c2 50), February 350 (+ c3 200), March 300 (c2 ended on 1 March)
SUBSCRIPTIONS = [("Customer ID", "Start Date (UTC)", "Amount", "Interval", "Ended At (UTC)"),
                 ("cus_1", "2026-01-01", 100, "month", None), ("cus_2", "2026-01-01", 50, "month", "2026-03-01"),
                 ("cus_3", "2026-02-01", 200, "month", None)]
# net burn: January 5,000 − 150; February 5,000 − 350 (the 100,000 raised is not income); March 6,000 − 300
BANK = [("Date", "Libellé", "Montant", "Solde"),
        ("2026-01-05", "VIR STRIPE", 150, 20_150), ("2026-01-25", "Salaires", -5_000, 15_150),
        ("2026-02-05", "VIR STRIPE", 350, 15_500), ("2026-02-10", "Levée de fonds seed", 100_000, 115_500),
        ("2026-02-25", "Salaires", -5_000, 110_500), ("2026-03-05", "VIR STRIPE", 300, 110_800),
        ("2026-03-25", "Salaires", -6_000, 104_800)]
BUDGET_NAMES = [("MRR fin de mois", 200, 300, 320), ("Clients payants", 2, 3, 3),
                ("Trésorerie", 20_000, 120_000, 110_000), ("Burn net", 5_000, 5_000, 5_000)]


def workbook(path, month_headers: list) -> None:
    book = openpyxl.Workbook()
    subscriptions = book.active
    subscriptions.title = "Abonnements"
    for row in SUBSCRIPTIONS:
        subscriptions.append(row)
    bank = book.create_sheet("Banque")
    for row in BANK:
        bank.append(row)
    budget = book.create_sheet("Budget 2026")
    budget.append(["Indicateur", *month_headers])
    for row in BUDGET_NAMES:
        budget.append(list(row))
    book.save(path)


@pytest.mark.parametrize("month_headers", [
    ["janv. 2026", "févr. 2026", "mars 2026"],
    [datetime.datetime(2026, 1, 1), datetime.datetime(2026, 2, 1), datetime.datetime(2026, 3, 1)],
], ids=["months as text", "months as Excel dates"])
def test_a_workbook_with_subscriptions_a_bank_and_a_budget_gives_finance_and_plan(tmp_path, capsys, month_headers):
    path = tmp_path / "finance.xlsx"
    workbook(path, month_headers)
    assert main(["report", str(path), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["as_of"] == "2026-03", err
    assert report["revenue"]["mrr"] == 300.0
    burn_3m = (4_850 + 4_650 + 5_700) / 3
    assert report["finance"] == {
        "cash": 104_800.0, "net_burn": 5_700.0, "net_burn_3m": pytest.approx(burn_3m), "gross_burn": 6_000.0,
        "runway_months": pytest.approx(104_800 / burn_3m), "cash_zero_month": "2027-11",  # 2026-03 + 20
        "burn_multiple": None,  # no ARR three months before March
    }
    assert report["plan"] == {
        "mrr": {"plan": 320.0, "actual": 300.0, "variance": -20.0, "attainment": pytest.approx(0.9375)},
        "customers": {"plan": 3.0, "actual": 2.0, "variance": -1.0, "attainment": pytest.approx(2 / 3)},
        "cash": {"plan": 110_000.0, "actual": 104_800.0, "variance": -5_200.0,
                 "attainment": pytest.approx(104_800 / 110_000)},
        "net_burn": {"plan": 5_000.0, "actual": 5_700.0, "variance": 700.0, "attainment": pytest.approx(1.14)},
    }


def test_finance_and_plan_are_null_without_their_tables(tmp_path, capsys):
    path = tmp_path / "subscriptions.csv"
    path.write_text("\n".join(",".join("" if v is None else str(v) for v in row) for row in SUBSCRIPTIONS),
                    encoding="utf-8")
    assert main(["report", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["finance"] is None and report["plan"] is None
