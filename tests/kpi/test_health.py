"""kpi.metrics.health on a hand-computed book of three customers: components, renormalised weights, bands."""

import math

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.errors import InputError
from kpi.metrics import health
from kpi.report.build import build_revenue

P = pd.Period

# As of June 2024. A: steady 100, 30 events in June, NPS 9, no ticket.
# B: 100 → 75 since March (−25 %), 15 events, never answered NPS, 5 tickets.
# C: new in May (no 3-month trend), no event, NPS 2, 1 ticket. D churned in June: not scored.
MRR = pd.DataFrame(
    {P("2024-03"): [100.0, 100.0, 0.0, 40.0], P("2024-04"): [100.0, 90.0, 0.0, 40.0],
     P("2024-05"): [100.0, 80.0, 60.0, 40.0], P("2024-06"): [100.0, 75.0, 60.0, 0.0]},
    index=pd.Index(["A", "B", "C", "D"], name="customer_id"))


def frame(rows, columns, dates):
    out = pd.DataFrame(list(rows), columns=columns)
    out["customer_id"] = out["customer_id"].astype("string")
    for column in dates:
        out[column] = pd.to_datetime(out[column], format="mixed")
    return out


EVENTS = frame([("u1", "2024-06-10", "A")] * 30 + [("u2", "2024-06-11", "B")] * 15
               + [("u3", "2024-05-31 23:59", "C")],  # before the 30-day window [1 June, 1 July)
               ["user_id", "timestamp", "customer_id"], ["timestamp"])
NPS = frame([("A", "2024-02-01", 9.0), ("C", "2024-06-20", 2.0)], ["customer_id", "date", "score"], ["date"])
TICKETS = frame([(str(i), "B", "2024-05-01") for i in range(5)] + [("9", "C", "2024-04-02"), ("10", "A", "2024-04-01")],
                ["ticket_id", "customer_id", "created_at"], ["created_at"])  # A's is 91 days before 1 July


def test_components_weights_and_bands_by_hand():
    scores = health.health_scores("2024-06", mrr=MRR, events=EVENTS, nps=NPS, tickets=TICKETS).set_index("customer_id")
    assert list(scores.index) == ["C", "B", "A"]  # most at risk first; D is not paying
    a, b, c = scores.loc["A"], scores.loc["B"], scores.loc["C"]
    assert (a["usage"], a["nps"], a["tickets"], a["mrr_trend"]) == (1.0, 0.9, 1.0, 1.0)
    assert a["score"] == pytest.approx(100 * (0.35 + 0.25 * 0.9 + 0.15 + 0.25))  # 97.5
    assert a["band"] == "green"
    # B: no NPS → weights 0.35 + 0.15 + 0.25; usage 0.5, tickets 0, trend 1 − 0.25 ÷ 0.5 = 0.5
    assert (b["usage"], b["tickets"], b["mrr_change_3m"], b["mrr_trend"]) == (0.5, 0.0, -0.25, 0.5)
    assert math.isnan(b["nps"])
    assert b["score"] == pytest.approx(100 * (0.35 * 0.5 + 0.25 * 0.5) / 0.75)  # 40 → yellow
    assert b["band"] == "yellow"
    # C: no trend → weights 0.35 + 0.25 + 0.15; usage 0, nps 0.2, tickets 0.8
    assert math.isnan(c["mrr_trend"]) and c["usage_events_30d"] == 0
    assert c["score"] == pytest.approx(100 * (0.25 * 0.2 + 0.15 * 0.8) / 0.75)  # 22.7
    assert c["band"] == "red"


def test_bands_split_at_40_and_70():
    bands = health.band(pd.Series([0, 39.9, 40, 69.9, 70, 100, float("nan")]))
    assert bands.tolist()[:6] == ["red", "red", "yellow", "yellow", "green", "green"]
    assert pd.isna(bands.iloc[6])


def test_weights_are_the_users_and_renormalise():
    usage_only = health.HealthWeights(usage=1, nps=0, tickets=0, mrr_trend=0)
    scores = health.health_scores("2024-06", mrr=MRR, events=EVENTS, nps=NPS, tickets=TICKETS, weights=usage_only)
    assert scores.set_index("customer_id")["score"].to_dict() == {"C": 0.0, "B": 50.0, "A": 100.0}
    capped = health.HealthWeights(usage=1, nps=0, tickets=0, mrr_trend=0, usage_cap=10)
    scores = health.health_scores("2024-06", mrr=MRR, events=EVENTS, weights=capped)
    assert scores.set_index("customer_id").loc["B", "score"] == 100.0


def test_a_log_without_events_in_the_window_leaves_usage_out_rather_than_zero():
    old = EVENTS.assign(timestamp=pd.Timestamp("2024-01-15"))
    scores = health.health_scores("2024-06", mrr=MRR, events=old).set_index("customer_id")
    assert scores["usage"].isna().all()
    assert scores.loc["A", "score"] == 100.0  # scored on the MRR trend alone


def test_a_customer_with_no_data_at_all_has_no_score():
    scores = health.health_scores("2024-06", mrr=MRR)
    c = scores.set_index("customer_id").loc["C"]
    assert math.isnan(c["score"]) and pd.isna(c["band"])
    assert scores["customer_id"].iloc[-1] == "C"  # unknown last


def test_settings_that_make_no_sense_are_refused():
    with pytest.raises(InputError):
        health.HealthWeights(usage=0, nps=0, tickets=0, mrr_trend=0)
    with pytest.raises(InputError):
        health.HealthWeights(usage_cap=0)


def test_demo_health_scores_every_paying_customer():
    tables = load_demo()
    mrr = build_revenue(tables).mrr
    scores = health.health_scores("2026-10", mrr=mrr, events=tables.frames["events"], nps=tables.frames["nps"],
                                  tickets=tables.frames["tickets"])
    assert len(scores) == int((mrr[P("2026-10")] > 0).sum())
    assert scores["score"].between(0, 100).all() and scores["score"].is_monotonic_increasing
    counts = health.band_counts(scores)
    assert counts["green"] > counts["yellow"] > 0 and counts["red"] > 0
