"""kpi.metrics.orders against tiny fixtures computed by hand, and UCI Online Retail."""

import json

import pandas as pd
import pytest

from kpi.ingest.parse import parse_dates
from kpi.metrics import orders
from tests.datasets import ONLINE_RETAIL

P = pd.Period
RETAIL = ONLINE_RETAIL


def lines(rows: list[tuple], with_order_id: bool = True) -> pd.DataFrame:
    """Canonical order lines from (customer_id, date, amount[, order_id])."""
    frame = pd.DataFrame([list(r) + [None] * (4 - len(r)) for r in rows],
                         columns=["customer_id", "date", "amount", "order_id"])
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["order_id"] = frame["order_id"].astype("string")
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    frame["amount"] = frame["amount"].astype(float)
    return frame if with_order_id else frame.drop(columns="order_id")


SHOP = lines([
    ("A", "2024-01-05 10:00", 20.0, "o1"),
    ("A", "2024-01-05 10:00", 5.0, "o1"),  # second line of the same order
    ("B", "2024-01-07", 30.0, "o2"),
    ("B", "2024-02-07", 40.0, "o3"),
    ("C", "2024-02-10", -15.0, "r1"),  # only a return: no order
    ("D", "2024-03-01", 0.0, "o4"),  # a zero-price line: no order
])


def test_an_order_is_a_distinct_order_id():
    assert orders.orders_per_customer(SHOP).to_dict() == {"A": 1, "B": 2}


def test_repeat_purchase_rate_is_repeat_buyers_over_buyers():
    summary = orders.orders_summary(SHOP)
    assert summary.to_json() == {"repeat_purchase_rate": 0.5, "customers": 2, "orders": 3}
    assert orders.repeat_purchase_rate(SHOP) == 0.5
    json.dumps(summary.to_json())


def test_without_order_id_an_order_is_a_customer_and_calendar_day():
    same_day = lines([("A", "2024-01-05 09:00", 10.0), ("A", "2024-01-05 17:30", 10.0),
                      ("B", "2024-01-05", 10.0), ("B", "2024-01-06", 10.0)], with_order_id=False)
    assert orders.orders_per_customer(same_day).to_dict() == {"A": 1, "B": 2}
    assert orders.repeat_purchase_rate(same_day) == 0.5


def test_lines_without_order_id_fall_back_to_their_day():
    mixed = lines([("A", "2024-01-05", 10.0, "o1"), ("A", "2024-01-05", 10.0, None),
                   ("A", "2024-01-09", 10.0, None)])
    assert orders.orders_per_customer(mixed).to_dict() == {"A": 3}


def test_window_counts_only_orders_of_its_months():
    assert orders.orders_summary(SHOP, end="2024-01").to_json() == {
        "repeat_purchase_rate": 0.0, "customers": 2, "orders": 2}
    assert orders.orders_summary(SHOP, start="2024-02", end="2024-02").to_json() == {
        "repeat_purchase_rate": 0.0, "customers": 1, "orders": 1}


def test_no_buyer_gives_null_rate():
    summary = orders.orders_summary(SHOP, start="2024-03")
    assert summary.to_json() == {"repeat_purchase_rate": None, "customers": 0, "orders": 0}


def test_purchase_clv_is_order_value_times_frequency_times_margin_times_lifetime():
    shop = lines([("A", "2024-01-03", 100.0, "o1"), ("A", "2024-02-03", 50.0, "o2"), ("B", "2024-01-09", 30.0, "o3")])
    clv = orders.purchase_clv(shop, months=2, gross_margin=0.5)
    # AOV 180 ÷ 3 = 60; 3 orders ÷ 2 customers ÷ 2 months = 0.75; churn: B of {A, B} lost → ½ → 2 months
    assert clv.average_order_value == pytest.approx(60.0)
    assert clv.purchase_frequency == pytest.approx(0.75)
    assert clv.monthly_churn == pytest.approx(0.5)
    assert clv.lifetime_months == pytest.approx(2.0)
    assert clv.clv == pytest.approx(60 * 0.75 * 0.5 * 2)
    assert (clv.start, clv.end) == (P("2024-01", "M"), P("2024-02", "M"))


def test_purchase_clv_nets_returns_in_order_value():
    shop = lines([("A", "2024-01-03", 100.0, "o1"), ("A", "2024-01-20", -40.0, "r1"), ("B", "2024-01-09", 20.0, "o2"),
                  ("B", "2024-02-02", 20.0, "o3")])
    clv = orders.purchase_clv(shop, months=2)
    assert clv.average_order_value == pytest.approx(100 / 3)


def test_purchase_clv_is_null_without_churn():
    shop = lines([("A", "2024-01-03", 100.0, "o1"), ("A", "2024-02-03", 100.0, "o2")])
    clv = orders.purchase_clv(shop, months=2)
    assert clv.monthly_churn == 0.0
    assert clv.lifetime_months is None and clv.clv is None


def test_online_retail_repeat_purchase_rate():
    raw = pd.read_parquet(RETAIL, columns=["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"])
    raw = raw[raw["CustomerID"].notna()]
    shop = pd.DataFrame({
        "customer_id": raw["CustomerID"].astype("int64").astype(str).astype("string"),
        "date": parse_dates(raw["InvoiceDate"]).values,
        "amount": raw["Quantity"] * raw["UnitPrice"],
        "order_id": raw["InvoiceNo"].astype("string"),
    })
    # 4,338 customers with a positive line (README); 2,845 of them placed two invoices or more
    assert orders.orders_summary(shop).to_json() == {
        "repeat_purchase_rate": pytest.approx(2845 / 4338), "customers": 4338, "orders": 18532}
