"""kpi.metrics.surveys on hand-computed fixtures: NPS, its interval, counting rules, windows, segments,
NPS × revenue, CSAT and CES; the monthly series checked against a naive reference."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.demo import load_demo
from kpi.errors import InputError
from kpi.metrics import surveys

P = pd.Period


def answers(rows, columns=("customer_id", "date", "score")):
    """Rows of (customer_id, date, score[, segment…]) as a canonical survey table."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    if "customer_id" in frame:
        frame["customer_id"] = frame["customer_id"].astype("string")
    if "date" in frame:
        frame["date"] = pd.to_datetime(frame["date"], format="mixed")
    frame["score"] = frame["score"].astype(float)
    return frame


def scores_only(scores):
    return pd.DataFrame({"score": [float(s) for s in scores]})


# ── categories and the formula ──────────────────────────────────────────────────────────

def test_categories_split_at_6_7_and_8_9():
    category = surveys.nps_category(pd.Series([0.0, 6, 7, 8, 9, 10, np.nan]))
    assert category.tolist()[:6] == ["detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert pd.isna(category.iloc[6])


def test_nps_is_promoters_minus_detractors_over_responses_with_its_margin():
    # 5 promoters, 3 passives, 2 detractors: score 100 × (5 − 2) ÷ 10 = 30;
    # margin 196 × √((0.5 + 0.2 − 0.3²) ÷ 10) = 196 × √0.061 = 48.4085
    result = surveys.nps(scores_only([10, 9, 9, 10, 9, 8, 7, 7, 6, 0]))
    assert (result.score, result.n, result.promoters, result.passives, result.detractors) == (30, 10, 5, 3, 2)
    margin = 196 * math.sqrt(0.061)
    assert result.ci95 == pytest.approx((30 - margin, 30 + margin))


def test_interval_is_clipped_to_the_nps_scale():
    # 1 promoter, 1 passive: score 50, margin 196 × √((0.5 − 0.25) ÷ 2) = 69.3 → [−19.3, 100]
    result = surveys.nps(scores_only([10, 8]))
    assert result.ci95[0] == pytest.approx(50 - 196 * math.sqrt(0.125))
    assert result.ci95[1] == 100
    assert surveys.nps(scores_only([10])).ci95 == (100, 100)


def test_no_response_gives_null_score_and_interval_not_zero():
    result = surveys.nps(scores_only([]))
    assert result.to_json() == {"score": None, "n": 0, "promoters": 0, "passives": 0, "detractors": 0,
                                "ci95": None}


def test_to_json_has_exactly_the_cli_keys():
    payload = surveys.nps(scores_only([10, 3])).to_json()
    assert list(payload) == ["score", "n", "promoters", "passives", "detractors", "ci95"]
    assert payload["score"] == 0 and isinstance(payload["ci95"], list) and len(payload["ci95"]) == 2


def test_evidence_lists_the_responses_behind_a_category():
    table = answers([("A", "2024-03-01", 10), ("B", "2024-03-02", 3), ("C", "2024-03-03", 5)])
    result = surveys.nps(table)
    assert result.behind("detractor")["customer_id"].tolist() == ["B", "C"]
    assert result.behind("promoter")["customer_id"].tolist() == ["A"]
    assert result.behind("passive").empty


def test_enps_is_the_same_formula():
    assert surveys.enps is surveys.nps


# ── which responses count ────────────────────────────────────────────────────────────────

def test_latest_rule_keeps_each_customers_last_answer_and_every_anonymous_one():
    table = answers([("A", "2024-03-01", 3), ("A", "2024-03-20", 10), ("B", "2024-03-05", 9),
                     (None, "2024-03-06", 2), (None, "2024-03-07", 2)])
    everything = surveys.nps(table, as_of="2024-03")
    latest = surveys.nps(table, as_of="2024-03", rule="latest")
    assert (everything.n, everything.score) == (5, 100 * (2 - 3) / 5)
    assert (latest.n, latest.promoters, latest.detractors) == (4, 2, 2)  # A's 3 is replaced by A's 10


def test_latest_rule_ignores_answers_after_the_as_of_month():
    table = answers([("A", "2024-03-01", 3), ("A", "2024-04-01", 10)])
    assert surveys.nps(table, as_of="2024-03", rule="latest", window="all").detractors == 1
    assert surveys.nps(table, as_of="2024-04", rule="latest", window="all").promoters == 1


def test_as_of_counts_responses_up_to_the_last_instant_of_the_month():
    table = answers([("A", "2024-03-31 23:59", 10), ("B", "2024-04-01 00:00", 0)])
    assert surveys.nps(table, as_of="2024-03").to_json()["n"] == 1
    assert surveys.nps(table, as_of="2024-04").n == 2


def test_headline_window_is_the_90_days_ending_with_the_as_of_month():
    # as of June 2024 the window is [2 April, 1 July): 1 April is out, 2 April is in
    table = answers([("A", "2024-04-01 12:00", 0), ("B", "2024-04-02 00:00", 10), ("C", "2024-06-30", 9)])
    assert surveys.nps(table, as_of="2024-06").n == 2
    assert surveys.nps(table, as_of="2024-06", window="all").n == 3
    assert surveys.nps(table, as_of="2024-06", window="month").n == 1


def test_default_as_of_is_the_last_month_with_responses():
    table = answers([("A", "2024-01-10", 0), ("B", "2024-05-10", 10)])
    assert surveys.nps(table).n == 1


def test_undated_responses_all_count_and_latest_keeps_the_last_row_per_customer():
    table = pd.DataFrame({"customer_id": pd.array(["A", "A", "B"], dtype="string"), "score": [2.0, 9.0, 10.0]})
    assert surveys.nps(table).n == 3
    assert surveys.nps(table, rule="latest").promoters == 2


def test_responses_without_a_date_are_left_out_when_the_table_has_dates():
    table = answers([("A", "2024-03-01", 10), ("B", None, 0)])
    assert surveys.nps(table, as_of="2024-03").n == 1


def test_unknown_rule_or_window_is_refused():
    table = answers([("A", "2024-03-01", 10)])
    with pytest.raises(ValueError):
        surveys.nps(table, rule="first")
    with pytest.raises(ValueError):
        surveys.nps(table, window=0)


# ── by month ─────────────────────────────────────────────────────────────────────────────

def test_by_month_uses_each_calendar_month_and_leaves_empty_months_null():
    table = answers([("A", "2024-01-05", 10), ("B", "2024-01-06", 0), ("C", "2024-03-01", 9)])
    series = surveys.nps_by_month(table)
    assert list(series.index) == [P("2024-01"), P("2024-02"), P("2024-03")]
    assert series["n"].tolist() == [2, 0, 1]
    assert series.loc[P("2024-01"), "score"] == 0
    assert math.isnan(series.loc[P("2024-02"), "score"])
    assert series.loc[P("2024-03"), "score"] == 100


def test_by_month_with_a_trailing_window_and_the_latest_rule():
    # A answers 0 in January, then 10 in March; window "all", latest answer per customer
    table = answers([("A", "2024-01-15", 0), ("A", "2024-03-15", 10), ("B", "2024-02-01", 8)])
    series = surveys.nps_by_month(table, window="all", rule="latest", as_of="2024-04")
    assert series["n"].tolist() == [1, 2, 2, 2]
    assert series["score"].tolist() == [-100, -50, 50, 50]


def test_by_month_trailing_window_matches_the_headline_of_each_month():
    table = answers([("A", "2024-01-15", 0), ("B", "2024-02-20", 10), ("C", "2024-05-01", 9)])
    series = surveys.nps_by_month(table, window=90)
    for month in series.index:
        assert series.loc[month, "n"] == surveys.nps(table, as_of=month, window=90).n


dates = st.datetimes(min_value=pd.Timestamp("2024-01-01").to_pydatetime(),
                     max_value=pd.Timestamp("2024-12-31").to_pydatetime())


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["A", "B", "C", None]), dates, st.integers(0, 10)), max_size=25),
       window=st.sampled_from([30, 90, "month", "all"]), rule=st.sampled_from(["all", "latest"]))
def test_monthly_series_agrees_with_a_naive_month_by_month_filter(rows, window, rule):
    table = answers(rows)
    if table.empty:
        return
    series = surveys.nps_by_month(table, window=window, rule=rule)
    for month in series.index:
        end = (month + 1).start_time
        start = {"month": month.start_time, "all": pd.Timestamp.min}.get(window) if isinstance(window, str) \
            else end - pd.Timedelta(days=window)
        seen = table.assign(position=range(len(table)))
        seen = seen[seen["date"] < end]
        if rule == "latest":
            named = seen[seen["customer_id"].notna()].sort_values(["date", "position"])
            seen = pd.concat([named.drop_duplicates("customer_id", keep="last"), seen[seen["customer_id"].isna()]])
        seen = seen[seen["date"] >= start]
        assert series.loc[month, "n"] == len(seen)
        assert series.loc[month, "promoters"] == int((seen["score"] >= 9).sum())


# ── segments and the chi-square test ──────────────────────────────────────────────────────

def segment_answers(counts):
    """{segment: (promoters, passives, detractors)} → responses of one month."""
    rows = []
    for segment, (p, q, d) in counts.items():
        rows += [(segment, 10)] * p + [(segment, 7)] * q + [(segment, 2)] * d
    return pd.DataFrame({"segment": pd.array([r[0] for r in rows], dtype="string"),
                         "score": [float(r[1]) for r in rows]})


def test_nps_by_segment_uses_the_same_formula_per_group():
    table = surveys.nps_by_segment(segment_answers({"SMB": (1, 1, 2), "Enterprise": (3, 0, 0)}))
    assert table.loc["SMB", "score"] == -25
    assert table.loc["Enterprise", "score"] == 100
    assert table.loc["SMB", "n"] == 4


def test_segment_can_come_from_the_customers_table():
    table = answers([("A", "2024-03-01", 10), ("B", "2024-03-02", 0), ("C", "2024-03-03", 9)])
    customers = pd.DataFrame({"customer_id": pd.array(["A", "B", "C"], dtype="string"),
                              "plan": pd.array(["Scale", "Starter", "Scale"], dtype="string")})
    by_plan = surveys.nps_by_segment(table, "plan", customers=customers)
    assert by_plan.loc["Scale", "score"] == 100 and by_plan.loc["Starter", "score"] == -100
    with pytest.raises(InputError):
        surveys.nps_by_segment(table, "country", customers=customers)


def test_clearly_different_segments_are_called_different():
    test = surveys.segment_test(segment_answers({"Enterprise": (40, 5, 5), "SMB": (5, 5, 40)}))
    assert test.significant is True and test.p_value < 0.001 and test.dof == 2
    assert test.verdict.startswith("Enterprise differs from SMB, p < 0.001")


def test_similar_segments_show_no_significant_difference():
    test = surveys.segment_test(segment_answers({"Enterprise": (20, 10, 10), "SMB": (21, 10, 9)}))
    assert test.significant is False and test.p_value > 0.5
    assert test.verdict.startswith(f"no significant difference (p = {test.p_value:.2f})")


def test_small_tables_are_flagged_and_degenerate_ones_not_tested():
    small = surveys.segment_test(segment_answers({"A": (2, 1, 0), "B": (0, 1, 2)}))
    assert small.small_sample and "read with care" in small.verdict
    one_segment = surveys.segment_test(segment_answers({"SMB": (3, 1, 1)}))
    assert one_segment.p_value is None and one_segment.significant is None
    assert "only one segment" in one_segment.verdict
    one_category = surveys.segment_test(segment_answers({"A": (3, 0, 0), "B": (5, 0, 0)}))
    assert one_category.p_value is None and "promoters" in one_category.verdict
    nothing = surveys.segment_test(segment_answers({}))
    assert nothing.p_value is None


def test_a_segment_without_responses_is_left_out_of_the_test():
    table = answers([("A", "2024-03-01", 10), ("B", "2024-03-02", 0)])
    customers = pd.DataFrame({"customer_id": pd.array(["A", "B", "Z"], dtype="string"),
                              "segment": pd.array(["Enterprise", "Enterprise", "Mid-Market"], dtype="string")})
    test = surveys.segment_test(table, customers=customers)
    assert list(test.table.index) == ["Enterprise"] and test.p_value is None


# ── NPS × revenue ────────────────────────────────────────────────────────────────────────

def test_nps_revenue_follows_each_category_over_twelve_months():
    months = pd.period_range("2023-01", "2024-01", freq="M")
    mrr = pd.DataFrame(0.0, index=pd.Index(["P1", "P2", "D1", "D2"], name="customer_id"), columns=months)
    mrr.loc["P1"] = 100.0
    mrr.loc["P1", P("2024-01")] = 150.0  # expanded
    mrr.loc["P2", P("2024-01")] = 80.0  # new this month: not in the 12-month base
    mrr.loc["D1", :P("2023-12")] = 100.0  # churned in January
    mrr.loc["D2"] = 50.0
    table = answers([("P1", "2023-06-01", 10), ("P2", "2024-01-10", 9), ("D1", "2023-02-01", 10),
                     ("D1", "2023-11-01", 2), ("D2", "2023-05-01", 5), ("D2", "2024-02-01", 10)])
    result = surveys.nps_revenue(table, mrr, "2024-01")
    promoter, detractor = result.loc["promoter"], result.loc["detractor"]
    assert (promoter["customers"], promoter["paying_customers"], promoter["mrr"]) == (2, 2, 230)
    assert (promoter["base_customers"], promoter["logo_churn_rate_12m"], promoter["nrr_12m"]) == (1, 0, 1.5)
    assert (detractor["customers"], detractor["paying_customers"], detractor["mrr"]) == (2, 1, 50)
    assert detractor["logo_churn_rate_12m"] == 0.5
    assert detractor["nrr_12m"] == pytest.approx(50 / 150)
    assert result.loc["passive", "customers"] == 0 and math.isnan(result.loc["passive", "nrr_12m"])


def test_nps_revenue_without_a_year_of_history_has_no_rates():
    mrr = pd.DataFrame({P("2024-01"): [100.0]}, index=pd.Index(["A"], name="customer_id"))
    result = surveys.nps_revenue(answers([("A", "2024-01-10", 10)]), mrr, "2024-01")
    assert result.loc["promoter", "mrr"] == 100 and math.isnan(result.loc["promoter", "logo_churn_rate_12m"])


# ── CSAT and CES ─────────────────────────────────────────────────────────────────────────

def test_csat_is_the_share_of_the_top_two_boxes():
    result = surveys.csat(scores_only([5, 4, 3, 2, 1, 5]))
    assert (result.score, result.n, result.satisfied) == (0.5, 6, 3)
    assert result.to_json() == {"score": 0.5, "n": 6}
    assert result.unsatisfied()["score"].tolist() == [3, 2, 1]


def test_csat_on_a_custom_scale():
    assert surveys.csat(scores_only([10, 9, 8, 1]), scale=(1, 10)).score == 0.5
    assert surveys.csat(scores_only([10, 9, 8, 1]), scale=(1, 10), satisfied_from=8).score == 0.75


def test_csat_and_ces_without_responses_are_null():
    assert surveys.csat(scores_only([])).to_json() == {"score": None, "n": 0}
    assert surveys.ces(scores_only([])).to_json() == {"mean": None, "n": 0}


def test_ces_is_the_mean_effort_score():
    result = surveys.ces(scores_only([7, 5, 3]))
    assert result.to_json() == {"mean": 5.0, "n": 3} and result.scale == (1.0, 7.0)


def test_csat_and_ces_by_month():
    table = answers([("A", "2024-01-05", 5), ("B", "2024-01-06", 2), ("C", "2024-03-01", 4)])
    monthly = surveys.csat_by_month(table)
    assert monthly["n"].tolist() == [2, 0, 1]
    assert monthly.loc[P("2024-01"), "score"] == 0.5 and math.isnan(monthly.loc[P("2024-02"), "score"])
    effort = surveys.ces_by_month(table)
    assert effort.loc[P("2024-01"), "mean"] == 3.5 and effort.loc[P("2024-03"), "mean"] == 4


# ── the demo company ─────────────────────────────────────────────────────────────────────

def test_demo_surveys_give_plausible_headlines():
    tables = load_demo()
    nps = surveys.nps(tables.frames["nps"], as_of="2026-10")
    assert 20 < nps.score < 60 and nps.n > 100 and nps.ci95[0] < nps.score < nps.ci95[1]
    assert 30 < surveys.nps(tables.frames["nps"], window="all").score < 45  # the story: about +37
    assert 0.7 < surveys.csat(tables.frames["csat"], as_of="2026-10").score < 0.95
    assert 5 < surveys.ces(tables.frames["ces"], as_of="2026-10").mean < 6.5
    assert surveys.segment_test(tables.frames["nps"], window="all").significant  # SMB scores lower
