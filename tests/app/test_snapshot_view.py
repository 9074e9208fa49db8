"""Customers & health with a customer list without dates (the Telco churn layout): the snapshot cards,
the sentence on what dated rows would add, and the breakdown by a chosen attribute."""

import csv
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.ingest.io import read_bytes
from kpi.ingest.recognise import auto_mapping
from ui.snapshot_view import DATED_ROWS
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "customers.py")
TELCO = ROOT / "tests" / "fixtures" / "corpus" / "telco_customer_churn.csv"


def telco_workspace() -> Workspace:
    data = TELCO.read_bytes()
    mapping, _ = auto_mapping(read_bytes(TELCO.name, data))
    return Workspace("telco", {TELCO.name: data}, mapping)


def by_hand(rows: list[dict]) -> dict:
    """Active, MRR, churned and churned share of some rows of the CSV, with no kpi code."""
    charges = [float(row["MonthlyCharges"]) for row in rows]
    gone = [row["Churn"] == "Yes" for row in rows]
    active = [c for c, g in zip(charges, gone, strict=True) if not g and c > 0]
    return {"customers": len(active), "mrr": sum(active), "churned": sum(gone), "churned_share": sum(gone) / len(rows)}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with TELCO.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def app() -> AppTest:
    page = AppTest.from_file(PAGE, default_timeout=60)
    page.session_state["workspace"] = telco_workspace()
    page.run()
    assert not page.exception, page.exception
    return page


def test_the_snapshot_cards_show_the_hand_computed_numbers(app, rows):
    expected = by_hand(rows)
    cards = {metric.label: metric.value for metric in app.metric}
    assert cards["Active customers"] == fmt.count(expected["customers"])
    assert cards["MRR"] == fmt.money(expected["mrr"])
    assert cards["Churned"] == fmt.count(expected["churned"])
    assert cards["Churned share"] == fmt.percent(expected["churned_share"])


def test_the_page_says_what_dated_rows_would_add_and_scores_no_one(app):
    assert any(DATED_ROWS in info.value for info in app.info)
    assert "monthly churn rates, MRR movements and cohorts need dated rows" in DATED_ROWS
    assert not [header for header in app.subheader if header.value.startswith("Health scores")]


def test_the_breakdown_follows_the_chosen_attribute(app, rows):
    picker = app.selectbox(key="snapshot_attribute")
    assert "Contract" in picker.options and "customerID" not in picker.options
    picker.set_value("Contract").run()
    assert not app.exception
    table = app.dataframe[0].value.set_index("Contract")
    for contract in ("Month-to-month", "One year", "Two year"):
        expected = by_hand([row for row in rows if row["Contract"] == contract])
        shown = table.loc[contract]
        assert (shown["Active"], shown["Churned"]) == (expected["customers"], expected["churned"])
        assert shown["MRR"] == pytest.approx(expected["mrr"])
        assert shown["Churned share"] == pytest.approx(expected["churned_share"])
    assert table["Listed"].sum() == len(rows)
