"""The survey views added for the Satisfaction page: margin, shares, distribution, breakdown
attributes and verbatims (kpi/metrics/surveys.py, end of the module)."""

import math

import numpy as np
import pandas as pd
import pytest

from kpi.errors import InputError
from kpi.metrics import surveys


def answers(rows):
    """[[score, customer_id, date, comment, segment], …] → a canonical nps table."""
    frame = pd.DataFrame(rows, columns=["score", "customer_id", "date", "comment", "segment"])
    return frame.astype({"score": float, "customer_id": "string", "comment": "string", "segment": "string"}) \
        .assign(date=lambda f: pd.to_datetime(f["date"]))


RESPONSES = answers([
    [10, "c1", "2025-06-02", "Great planning", "SMB"],
    [9, "c2", "2025-06-03", None, "SMB"],
    [8, "c3", "2025-06-04", "Export is slow", "Enterprise"],
    [6, "c4", "2025-06-05", "The EXPORT crashes", "Enterprise"],
    [3, "c5", "2025-06-06", "  ", "SMB"],
    [0, "c6", "2025-05-01", "Too expensive", None],
])


def test_margin_is_half_the_95_percent_interval():
    result = surveys.nps(RESPONSES, window="all")
    n, p, d = 6, 2 / 6, 3 / 6
    assert surveys.nps_margin(result) == pytest.approx(100 * 1.96 * math.sqrt((p + d - (p - d) ** 2) / n))
    unclipped = surveys.nps(answers([[10, "a", "2025-01-01", None, None]] * 30 + [[0, "b", "2025-01-01", None, None]]),
                            window="all")
    assert unclipped.ci95[1] == 100 and surveys.nps_margin(unclipped) > 100 - unclipped.score  # before clipping


def test_margin_and_shares_without_responses():
    empty = surveys.nps(RESPONSES.iloc[:0], window="all")
    assert surveys.nps_margin(empty) is None
    assert surveys.category_shares(empty)["share"].isna().all()


def test_category_shares_sum_to_one():
    shares = surveys.category_shares(surveys.nps(RESPONSES, window="all"))
    assert shares.index.tolist() == ["promoter", "passive", "detractor"]
    assert shares["responses"].tolist() == [2, 1, 3]
    assert shares["share"].sum() == pytest.approx(1)


def test_distribution_lists_every_score_with_its_category():
    distribution = surveys.nps_distribution(answers([[10, "a", None, None, None], [10, "b", None, None, None],
                                                     [8.5, "c", None, None, None], [0, "d", None, None, None]]))
    assert distribution["score"].tolist() == list(range(11))
    assert distribution["responses"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]
    assert distribution["share"].sum() == pytest.approx(1)
    assert distribution.set_index("score")["category"].loc[[0, 6, 7, 8, 9, 10]].tolist() == \
        ["detractor", "detractor", "passive", "passive", "promoter", "promoter"]


def test_distribution_counts_match_the_nps_counts():
    result = surveys.nps(RESPONSES, window="all")
    distribution = surveys.nps_distribution(result.responses)
    by_category = distribution.groupby("category", observed=True)["responses"].sum()
    assert by_category.to_dict() == {"promoter": result.promoters, "passive": result.passives,
                                     "detractor": result.detractors}


def test_shares_by_month_divide_each_category_by_the_month_responses():
    trend = surveys.nps_by_month(RESPONSES)
    shares = surveys.category_shares_by_month(trend)
    june = shares.loc[pd.Period("2025-06", "M")]
    assert june.to_dict() == pytest.approx({"promoter": 2 / 5, "passive": 1 / 5, "detractor": 2 / 5})
    empty = surveys.category_shares_by_month(trend.assign(n=0, promoters=0, passives=0, detractors=0))
    assert empty.isna().all().all()


def test_breakdown_attributes_put_segment_first_and_need_a_customer_id_for_customer_attributes():
    responses = RESPONSES.assign(language="en")[["score", "customer_id", "date", "language", "segment"]]
    assert surveys.breakdown_attributes(responses, ["plan", "segment", "country"]) == \
        ["segment", "language", "plan", "country"]
    anonymous = responses.drop(columns="customer_id")
    assert surveys.breakdown_attributes(anonymous, ["plan"]) == ["segment", "language"]


def test_verbatims_keep_commented_answers_newest_first():
    shown = surveys.verbatims(RESPONSES)
    assert list(shown.columns) == ["date", "score", "category", "segment", "comment"]
    assert shown["comment"].tolist() == ["The EXPORT crashes", "Export is slow", "Great planning", "Too expensive"]


def test_verbatims_filter_by_category_segment_and_text():
    detractors = surveys.verbatims(RESPONSES, categories=["detractor"])
    assert (detractors["score"] <= 6).all() and len(detractors) == 2
    enterprise = surveys.verbatims(RESPONSES, segments=["Enterprise"])
    assert set(enterprise["segment"]) == {"Enterprise"} and len(enterprise) == 2
    export = surveys.verbatims(RESPONSES, search=" export ")
    assert export["comment"].tolist() == ["The EXPORT crashes", "Export is slow"]
    both = surveys.verbatims(RESPONSES, categories=["passive"], search="export")
    assert both["score"].tolist() == [8]


def test_verbatims_search_is_literal_not_a_pattern():
    responses = answers([[9, "a", "2025-01-01", "Price (per seat) is fine", None],
                         [9, "b", "2025-01-02", "Price is fine", None]])
    found = surveys.verbatims(responses, by=None, search="(per seat)")
    assert found["comment"].tolist() == ["Price (per seat) is fine"]
    assert surveys.verbatims(responses, by=None, search=".*").empty


def test_verbatims_segment_from_the_customers_table():
    customers = pd.DataFrame({"customer_id": ["c1", "c3", "c4"], "plan": ["Pro", "Pro", "Basic"]}, dtype="string")
    shown = surveys.verbatims(RESPONSES, by="plan", customers=customers, segments=["Pro"])
    assert shown["comment"].tolist() == ["Export is slow", "Great planning"]
    with pytest.raises(InputError, match="country"):
        surveys.verbatims(RESPONSES, by="country", customers=customers)


def test_verbatims_without_a_comment_column_are_empty():
    shown = surveys.verbatims(RESPONSES.drop(columns="comment"))
    assert shown.empty and "comment" in shown.columns


def test_benchmark_is_the_definitions_saas_average():
    assert surveys.SAAS_AVERAGE_NPS == 41
    assert np.isfinite(surveys.SAAS_AVERAGE_NPS)
