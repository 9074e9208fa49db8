"""Restatements in a founder's words (kpi.report.restatements)."""

from kpi.report.restatements import headline_changes, other_changes, plain_name
from kpi.store.model import Change

CHANGES = [Change("revenue.mrr", 61870.6, 61890.6, 20.0), Change("revenue.logo_churn_rate", 0.0377, 0.0397, 0.002),
           Change("nps.score", 41.9, None, None), Change("series[2025-03].churn", 10.0, 12.5, 2.5),
           Change("cohorts.logo.2024-01[2]", 0.5, 0.25, -0.25)]


def test_the_cards_kpis_are_labelled_and_formatted_in_the_cards_order():
    table = headline_changes(CHANGES, "EUR")
    assert table.to_dict("records") == [
        {"KPI": "MRR", "Reported": "€61,871", "Now": "€61,891", "Difference": "+€20.00"},
        {"KPI": "Logo churn", "Reported": "3.8 %", "Now": "4.0 %", "Difference": "+0.20 pp"},
        {"KPI": "NPS", "Reported": "+41.9", "Now": "n/a", "Difference": "gone"},
    ]


def test_other_figures_are_named_in_plain_words():
    assert plain_name("series[2025-03].churn") == "Monthly history · March 2025 · churn"
    assert plain_name("cohorts.logo.2024-01[2]") == "Cohorts · logo · January 2024 · 2"
    assert plain_name("unit_economics.payback_months") == "Unit economics · payback months"
    assert other_changes(CHANGES).to_dict("records") == [
        {"Figure": "Monthly history · March 2025 · churn", "Reported": "10.0", "Now": "12.5"},
        {"Figure": "Cohorts · logo · January 2024 · 2", "Reported": "0.5", "Now": "0.25"}]
