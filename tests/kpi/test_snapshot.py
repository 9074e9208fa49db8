"""Customer lists without dates (§13): kpi/metrics/snapshot.py and the report's `snapshot` section."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpi.ingest.io import read_path
from kpi.ingest.mapping import Tables, build_tables
from kpi.ingest.recognise import auto_mapping
from kpi.metrics import snapshot
from kpi.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
TELCO = ROOT / "tests" / "fixtures" / "corpus" / "telco_customer_churn.csv"


def customers(rows: list[list], columns=("customer_id", "mrr", "churned", "plan")) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    if "churned" in frame:
        frame["churned"] = frame["churned"].astype("boolean")
    return frame


LIST = customers([
    ["A", 100.0, False, "pro"],
    ["B", 50.0, False, "basic"],
    ["C", 0.0, False, "basic"],  # listed, not churned, pays nothing: not active
    ["D", 80.0, True, "pro"],
    ["E", 20.0, True, None],
])


def test_active_customers_mrr_arpa_and_churned_shares_by_hand():
    result = snapshot.snapshot(LIST)
    assert (result.listed, result.customers, result.churned) == (5, 2, 2)
    assert result.mrr == pytest.approx(150.0)  # A + B
    assert result.arpa == pytest.approx(75.0)
    assert result.churned_share == pytest.approx(2 / 5)
    assert result.churned_mrr_share == pytest.approx((80 + 20) / (100 + 50 + 0 + 80 + 20))
    assert result.to_json() == {"customers": 2, "mrr": pytest.approx(150.0), "arpa": pytest.approx(75.0),
                                "churned": 2, "churned_share": pytest.approx(0.4),
                                "churned_mrr_share": pytest.approx(0.4)}


def test_breakdown_by_attribute_gives_each_value_its_own_shares_and_a_blank_row():
    table = snapshot.snapshot_by(LIST, "plan")
    assert list(table.columns) == snapshot.SNAPSHOT_COLUMNS
    assert table.loc["pro"].to_dict() == pytest.approx({
        "listed": 2, "customers": 1, "mrr": 100.0, "arpa": 100.0, "churned": 1, "churned_share": 0.5,
        "churned_mrr_share": 80 / 180})
    assert table.loc["basic"].to_dict() == pytest.approx({
        "listed": 2, "customers": 1, "mrr": 50.0, "arpa": 50.0, "churned": 0, "churned_share": 0.0,
        "churned_mrr_share": 0.0})
    assert table.loc[snapshot.BLANK, "churned"] == 1 and pd.isna(table.loc[snapshot.BLANK, "arpa"])
    assert table["listed"].sum() == 5  # every customer in exactly one row


def test_status_words_say_churned_in_any_case_or_accent_and_a_flag_wins_over_the_status():
    frame = pd.DataFrame({
        "customer_id": ["A", "B", "C", "D", "E", "F"],
        "mrr": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0],
        "status": ["Active", "Résilié", "Closed-Lost", "CANCELLED", "trialing", "churned"],
        "churned": pd.array([pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, False], dtype="boolean"),
    })
    assert snapshot.customer_status(frame).tolist() == [
        "active", "churned", "churned", "churned", "not paying", "active"]


def test_a_customer_listed_twice_counts_once_with_its_last_row():
    twice = customers([["A", 100.0, False, "pro"], ["A", 120.0, True, "pro"], ["B", 30.0, False, "pro"]])
    result = snapshot.snapshot(twice)
    assert (result.listed, result.customers, result.churned, result.mrr) == (2, 1, 1, 30.0)


def test_ratios_with_nothing_to_divide_by_are_none():
    result = snapshot.snapshot(customers([["A", 0.0, True, "x"]]))
    assert result.arpa is None and result.churned_mrr_share is None and result.churned_share == 1.0


def test_applies_only_with_mrr_and_a_churn_flag_or_status():
    assert snapshot.applies(LIST)
    assert not snapshot.applies(LIST.drop(columns="churned"))
    assert not snapshot.applies(LIST.drop(columns="mrr"))
    assert snapshot.applies(LIST.drop(columns="churned").assign(status="active"))
    assert not snapshot.applies(None)


def test_attributes_leave_out_ids_amounts_and_one_value_columns():
    frame = LIST.assign(region="EU", amount_text=["1", "2", "3", "4", "5"])
    assert snapshot.attributes(frame) == ["plan"]


# ── the report ──────────────────────────────────────────────────────────────────────────


def test_report_of_a_list_without_dates_has_a_snapshot_and_no_month():
    report = build_report(Tables({"customers": LIST}, {}))
    assert report.as_of is None and report.revenue is None
    assert report.to_json()["snapshot"] == report.snapshot.to_json()
    assert report.to_json()["snapshot"]["customers"] == 2


def test_snapshot_is_null_with_revenue_or_without_a_churn_flag():
    subscriptions = pd.DataFrame({"customer_id": ["A"], "start_date": pd.to_datetime(["2025-01-10"]),
                                  "amount": [100.0]})
    with_revenue = build_report(Tables({"customers": LIST, "subscriptions": subscriptions}, {}))
    assert with_revenue.revenue is not None and with_revenue.to_json()["snapshot"] is None
    no_flag = build_report(Tables({"customers": LIST.drop(columns="churned")}, {}))
    assert no_flag.to_json()["snapshot"] is None


def telco_by_hand() -> dict:
    """The Telco churn list's §13 numbers, read with the csv module (no kpi code)."""
    with TELCO.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    charges = [float(row["MonthlyCharges"]) for row in rows]
    churned = [row["Churn"] == "Yes" for row in rows]
    active = [c for c, gone in zip(charges, churned, strict=True) if not gone and c > 0]
    return {"customers": len(active), "mrr": sum(active), "arpa": sum(active) / len(active),
            "churned": sum(churned), "churned_share": sum(churned) / len(rows),
            "churned_mrr_share": sum(c for c, gone in zip(charges, churned, strict=True) if gone) / sum(charges),
            "rows": rows}


def test_telco_churn_list_recognised_without_a_mapping_gives_the_hand_computed_snapshot():
    sheets = read_path(TELCO)
    mapping, _ = auto_mapping(sheets)
    report = build_report(build_tables(sheets, mapping))
    expected = telco_by_hand()
    rows = expected.pop("rows")
    assert report.to_json()["snapshot"] == pytest.approx(expected)
    by_contract = snapshot.snapshot_by(report.tables.get("customers"), "Contract")
    monthly = [row for row in rows if row["Contract"] == "Month-to-month"]
    assert by_contract.loc["Month-to-month", "listed"] == len(monthly)
    assert by_contract.loc["Month-to-month", "churned_share"] == pytest.approx(
        sum(row["Churn"] == "Yes" for row in monthly) / len(monthly))
    assert "Contract" in snapshot.attributes(report.tables.get("customers"))


def test_cli_json_of_the_telco_list_has_the_snapshot():
    result = subprocess.run([sys.executable, "-m", "kpi", "report", str(TELCO), "--format", "json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    expected = telco_by_hand()
    expected.pop("rows")
    assert report["snapshot"] == pytest.approx(expected)
    assert report["revenue"] is None and report["churn_reasons"] is None
