"""kpi.report.significance: which changes get a colour, on numbers worked out by hand."""

import math

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.metrics import surveys
from kpi.report.build import build_report
from kpi.report.significance import (
    Sample,
    change_margin,
    difference_margin,
    is_significant,
    samples_of,
    shown_as_zero,
    significant_change,
    standard_error,
)


def test_nps_standard_error_from_promoter_and_detractor_shares():
    # 50 promoters, 20 detractors of 100: 100 × √((0.5 + 0.2 − 0.3²) ÷ 100) = 100 × √0.0061 = 7.8102
    assert standard_error("nps", Sample(100, 50, 20)) == pytest.approx(7.81025, abs=1e-5)
    assert standard_error("nps", Sample(0, 0, 0)) is None
    assert standard_error("nps", None) is None


def test_nps_standard_error_is_the_margin_of_the_survey_page_divided_by_1_96():
    result = surveys.NPS(score=30.0, n=100, promoters=50, passives=30, detractors=20, ci95=None)
    assert 1.96 * standard_error("nps", Sample(100, 50, 20)) == pytest.approx(surveys.nps_margin(result))


def test_proportion_standard_error():
    # CSAT 90 of 100: √(0.9 × 0.1 ÷ 100) = 0.03
    assert standard_error("csat", Sample(100, 90)) == pytest.approx(0.03)
    assert standard_error("fcr", Sample(100, 80)) == pytest.approx(0.04)


def test_margin_of_a_difference_adds_the_variances():
    # 1.96 × √(0.03² + 0.04²) = 1.96 × 0.05 = 0.098
    assert difference_margin("csat", Sample(100, 90), Sample(100, 80)) == pytest.approx(0.098)
    assert difference_margin("csat", Sample(100, 90), None) is None


def test_an_nps_change_inside_the_margin_is_not_significant():
    # now 50 P / 20 D of 100 (NPS 30, se 7.8102); before 45 P / 20 D of 100 (NPS 25, se 7.6649):
    # margin = 1.96 × √(7.8102² + 7.6649²) = 1.96 × 10.943 = 21.45 > 5
    now, before = Sample(100, 50, 20), Sample(100, 45, 20)
    assert difference_margin("nps", now, before) == pytest.approx(1.96 * math.sqrt(61 + 58.75), rel=1e-9)
    assert not is_significant("nps", 30.0, 25.0, shown="+5.0 pts", samples=(now, before))


def test_the_same_nps_change_on_100_times_more_answers_is_significant():
    # same shares, n = 10 000: margin 2.145 < 5
    now, before = Sample(10_000, 5_000, 2_000), Sample(10_000, 4_500, 2_000)
    assert difference_margin("nps", now, before) == pytest.approx(2.1448, abs=1e-4)
    assert is_significant("nps", 30.0, 25.0, shown="+5.0 pts", samples=(now, before))


def test_csat_two_proportion_rule():
    # 0.90 vs 0.80 on 100 answers each: margin 0.098 < 0.10 → significant
    assert is_significant("csat", 0.90, 0.80, shown="+10.0 pp", samples=(Sample(100, 90), Sample(100, 80)))
    # 0.90 vs 0.81: margin 1.96 × √(0.0009 + 0.001539) = 0.0968 > 0.09 → not significant
    assert not is_significant("csat", 0.90, 0.81, shown="+9.0 pp", samples=(Sample(100, 90), Sample(100, 81)))


def test_a_change_shown_as_zero_is_never_significant():
    assert shown_as_zero("+0.0 pp") and shown_as_zero("−0.0 %") and shown_as_zero("+0.00×")
    assert not shown_as_zero("+0.1 pp") and not shown_as_zero(None)
    assert not is_significant("logo_churn_rate", 0.02004, 0.02001, shown="+0.0 pp")
    assert is_significant("logo_churn_rate", 0.025, 0.020, shown="+0.5 pp")
    assert not is_significant("mrr", 100.0, 100.0)
    assert not is_significant("mrr", 100.0, None)


def test_without_answers_only_the_zero_rule_applies():
    assert is_significant("nps", 30.0, 29.6, shown="+0.4 pts")
    assert is_significant("nps", 30.0, 29.6, shown="+0.4 pts", samples=(None, Sample(100, 50, 20)))


@pytest.fixture(scope="module")
def demo_report():
    return build_report(load_demo())


def test_demo_latest_nps_change_is_inside_its_margin(demo_report):
    # October 2026: NPS 41.9 on 406 answers against 42.2 on 386 — a −0.4 pts change, margin ≈ 9.4 pts
    nps = demo_report.metric("nps")
    now, before = samples_of(demo_report, "nps", (demo_report.as_of, demo_report.as_of - 1))
    assert (now.n, now.positives, now.negatives) == (406, 214, 44)
    assert (before.n, before.positives, before.negatives) == (386, 205, 42)
    assert change_margin(demo_report, "nps") == pytest.approx(difference_margin("nps", now, before))
    assert abs(nps.change) < change_margin(demo_report, "nps")
    assert not significant_change(demo_report, "nps", nps.value, nps.previous, shown=f"{nps.change:+.1f} pts")


def test_demo_samples_are_the_counts_behind_the_cards_values(demo_report):
    month = demo_report.as_of
    for key in ("nps", "csat", "fcr"):
        now, _ = samples_of(demo_report, key, (month, month - 1))
        value = demo_report.metric(key).value
        if key == "nps":
            assert 100 * (now.positives - now.negatives) / now.n == pytest.approx(value)
        else:
            assert now.positives / now.n == pytest.approx(value)
    assert samples_of(demo_report, "mrr", (month, month - 1)) == (None, None)
    assert change_margin(demo_report, "mrr") is None
    assert samples_of(demo_report, "nps", (pd.Period("1990-01", freq="M"), month))[0] is None
