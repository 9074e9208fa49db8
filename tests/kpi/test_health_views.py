"""kpi.metrics.health's customer views: names, directory, health table, bands, one customer's MRR, movements, answers."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.metrics import health, revenue

P = pd.Period
MONTHS = pd.period_range("2024-01", "2024-08", freq="M")
# A: new 100 in Feb, expands to 150 in Mar, churns in May, reactivates at 80 in Jul, contracts to 60 in Aug.
# B: paying 50 throughout. C: never in the customers table.
MRR = pd.DataFrame(
    [[0, 100, 150, 150, 0, 0, 80, 60], [50] * 8, [0, 0, 0, 0, 0, 0, 0, 30]],
    index=pd.Index(["A", "B", "C"], name="customer_id"), columns=MONTHS, dtype=float)
CUSTOMERS = pd.DataFrame({
    "customer_id": pd.array(["B", "A", "A", "D", "E"], dtype="string"),
    "name": pd.array(["Zeta SAS", None, "Acme", "  ", "acme"], dtype="string"),
    "signup_date": pd.to_datetime(["2023-12-01", "2024-01-15", "2024-01-15", None, "2024-02-01"]),
    "segment": pd.array(["SMB", "Mid-Market", "Mid-Market", None, "SMB"], dtype="string"),
})


def test_names_take_the_first_non_blank_name_of_each_id():
    names = health.customer_names(CUSTOMERS)
    assert names.to_dict() == {"B": "Zeta SAS", "A": "Acme", "E": "acme"}
    assert health.customer_names(None).empty
    assert health.customer_names(CUSTOMERS.drop(columns="name")).empty


def test_with_customer_names_puts_the_name_after_the_id():
    frame = pd.DataFrame({"customer_id": ["A", "C"], "tickets": [3, 1]})
    named = health.with_customer_names(frame, CUSTOMERS)
    assert list(named.columns) == ["customer_id", "name", "tickets"]
    assert named["name"].tolist()[0] == "Acme" and pd.isna(named["name"].iloc[1])
    assert health.with_customer_names(frame, None)["name"].isna().all()


def test_directory_lists_customers_table_and_matrix_with_unique_labels():
    directory = health.customer_directory(CUSTOMERS, MRR)
    assert directory["label"].tolist() == ["Acme · A", "acme · E", "C", "D", "Zeta SAS · B"]
    assert set(directory["customer_id"]) == {"A", "B", "C", "D", "E"}
    assert health.customer_directory(None, MRR)["label"].tolist() == ["A", "B", "C"]
    assert health.customer_directory(None, None).empty


def test_health_table_keeps_the_at_risk_order_and_adds_name_and_mrr():
    scores = health.health_scores("2024-08", mrr=MRR, customers=CUSTOMERS)
    table = health.health_table(scores, customers=CUSTOMERS, mrr=MRR, as_of="2024-08")
    assert table["customer_id"].tolist() == scores["customer_id"].tolist()
    assert list(table.columns[:3]) == ["customer_id", "name", "mrr"]
    assert dict(zip(table["customer_id"], table["mrr"], strict=True)) == {"A": 60.0, "B": 50.0, "C": 30.0}
    assert table.set_index("customer_id").loc["B", "name"] == "Zeta SAS"
    without = health.health_table(scores, as_of="2024-08")
    assert without["mrr"].isna().all() and without["name"].isna().all()


def test_band_summary_counts_customers_and_their_mrr():
    table = pd.DataFrame({"customer_id": list("abcd"), "mrr": [10.0, 20.0, 30.0, 40.0],
                          "band": pd.array(["red", "green", "green", None], dtype="string")})
    summary = health.band_summary(table)
    assert summary.index.tolist() == ["red", "yellow", "green"]
    assert summary["customers"].tolist() == [1, 0, 2]
    assert summary.loc["red", "mrr"] == 10.0 and summary.loc["green", "mrr"] == 50.0
    assert np.isnan(summary.loc["yellow", "mrr"])
    assert summary["share"].tolist() == [1 / 3, 0, 2 / 3]


def test_customer_mrr_is_the_matrix_row_up_to_as_of():
    row = health.customer_mrr(MRR, "A", "2024-06")
    assert row.index.tolist() == list(MONTHS[:6])
    assert row.tolist() == [0, 100, 150, 150, 0, 0]
    assert health.customer_mrr(MRR, "A").tolist() == MRR.loc["A"].tolist()
    assert health.customer_mrr(MRR, "Z").empty


def test_customer_movements_by_hand():
    moves = health.customer_movements(MRR, "A")
    assert moves["month"].tolist() == [P("2024-02"), P("2024-03"), P("2024-05"), P("2024-07"), P("2024-08")]
    assert moves["movement"].tolist() == ["new", "expansion", "churn", "reactivation", "contraction"]
    assert moves["previous"].tolist() == [0, 100, 150, 0, 80]
    assert moves["current"].tolist() == [100, 150, 0, 80, 60]
    assert moves["change"].tolist() == [100, 50, -150, 80, -20]
    assert health.customer_movements(MRR, "A", "2024-04")["movement"].tolist() == ["new", "expansion"]


def test_a_customer_paying_from_the_first_month_is_new_then_steady():
    moves = health.customer_movements(MRR, "B")
    assert moves[["month", "movement"]].values.tolist() == [[P("2024-01"), "new"]]
    assert health.customer_movements(MRR, "Z").empty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 10.0, 25.0, 40.0]), min_size=6, max_size=6), min_size=1, max_size=5))
def test_customer_movements_agree_with_the_months_movements(rows):
    mrr = pd.DataFrame(rows, index=pd.Index([f"c{i}" for i in range(len(rows))], name="customer_id"),
                       columns=pd.period_range("2024-01", periods=6, freq="M"))
    per_customer = pd.concat([health.customer_movements(mrr, customer).assign(customer_id=customer)
                              for customer in mrr.index], ignore_index=True)
    per_month = pd.concat([revenue.movement_of(mrr, month).assign(month=month) for month in mrr.columns],
                          ignore_index=True)
    key = ["month", "customer_id", "movement", "previous", "current"]
    left = per_customer[key].astype({"month": str}).sort_values(key[:2]).reset_index(drop=True)
    right = per_month[key].astype({"month": str}).sort_values(key[:2]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_customer_answers_newest_first_with_categories_up_to_as_of():
    nps = pd.DataFrame({
        "score": [9.0, 4.0, 7.0, 10.0],
        "customer_id": pd.array(["A", "A", "A", "B"], dtype="string"),
        "date": pd.to_datetime(["2024-02-01", "2024-05-01", "2024-07-15", "2024-03-01"]),
        "comment": pd.array(["love it", "<b>slow</b>", None, "great"], dtype="string"),
    })
    answers = health.customer_answers(nps, "A", as_of="2024-06")
    assert answers.columns.tolist() == ["date", "score", "category", "comment"]
    assert answers["score"].tolist() == [4.0, 9.0]
    assert answers["category"].tolist() == ["detractor", "promoter"]
    assert answers["comment"].tolist() == ["<b>slow</b>", "love it"]  # kept as text, never rendered
    assert health.customer_answers(nps, "A")["category"].tolist() == ["passive", "detractor", "promoter"]
    assert health.customer_answers(nps, "Z").empty


def test_customer_record_lists_the_filled_fields():
    record = health.customer_record(CUSTOMERS, "B")
    assert record.values.tolist() == [["customer_id", "B"], ["name", "Zeta SAS"], ["signup_date", "2023-12-01"],
                                      ["segment", "SMB"]]
    assert health.customer_record(CUSTOMERS, "Z").empty
    assert health.customer_record(None, "B").empty


def test_find_customers_matches_name_or_id_case_insensitively():
    directory = health.customer_directory(CUSTOMERS, MRR)
    assert health.find_customers(directory, "ACME")["customer_id"].tolist() == ["A", "E"]
    assert health.find_customers(directory, " b ")["customer_id"].tolist() == ["B"]  # "· B"
    assert health.find_customers(directory, "", limit=2)["customer_id"].tolist() == ["A", "E"]
    assert health.find_customers(directory, "a.*")["customer_id"].tolist() == []  # text, not a pattern
