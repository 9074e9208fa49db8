"""Alert rules (kpi.metrics.alerts) on tiny hand-made series, and their evaluation on a report
(kpi.report.alerts): months with and without a spike, the customers behind a churn spike, the
JSON report's `alerts`, the investor update's lowlights."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.ingest.mapping import Tables
from kpi.metrics import alerts as rules
from kpi.report.alerts import alert_text, evaluate_alerts, previous_window_months
from kpi.report.build import Settings, build_report
from kpi.report.settings_json import settings_from_json, settings_to_json
from kpi.report.update import investor_update


def monthly(values: list[float], start: str = "2025-01") -> pd.Series:
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"), dtype=float)


LAST = pd.Period("2025-07", freq="M")

# ── the pure rules ───────────────────────────────────────────────────────────────────────


def test_a_churn_spike_is_one_and_a_half_times_the_median_and_a_point_above_it():
    spike = rules.churn_spike(monthly([0.02] * 6 + [0.04]), LAST)
    assert spike == rules.Spike(0.04, 0.02)


def test_no_spike_under_one_and_a_half_times_the_median():
    assert rules.churn_spike(monthly([0.02] * 6 + [0.029]), LAST) is None


def test_exactly_one_and_a_half_times_and_one_point_above_is_a_spike():
    assert rules.churn_spike(monthly([0.02] * 6 + [0.03]), LAST) is not None


def test_a_tiny_churn_tripling_is_no_spike_under_one_point():
    assert rules.churn_spike(monthly([0.002] * 6 + [0.006]), LAST) is None  # 3× but 0.4 point


def test_the_spike_is_measured_against_the_median_not_the_mean():
    history = monthly([0.01, 0.01, 0.01, 0.01, 0.10, 0.10, 0.03])  # mean 0.04, median 0.01
    assert rules.churn_spike(history, LAST) == rules.Spike(0.03, 0.01)


def test_no_spike_without_six_months_before():
    assert rules.churn_spike(monthly([0.02] * 5 + [0.10], start="2025-02"), LAST) is None
    assert rules.churn_spike(monthly([0.02] * 6 + [0.10]), LAST, months=7) is None


def test_thresholds_are_parameters():
    history = monthly([0.02] * 6 + [0.035])
    assert rules.churn_spike(history, LAST) is not None
    assert rules.churn_spike(history, LAST, ratio=2.0) is None
    assert rules.churn_spike(history, LAST, points=2.0) is None


def test_mrr_below_the_previous_month():
    assert rules.dropped(monthly([100.0, 99.0]), pd.Period("2025-02", freq="M")) == (99.0, 100.0)
    assert rules.dropped(monthly([100.0, 100.0]), pd.Period("2025-02", freq="M")) is None
    assert rules.dropped(monthly([100.0]), pd.Period("2025-01", freq="M")) is None


def test_below_a_floor_and_an_unknown_value():
    assert rules.below(0.99, 1.0) and not rules.below(1.0, 1.0)
    assert not rules.below(None, 6.0) and not rules.below(float("nan"), 6.0)  # not burning: no runway


def test_nps_drop_beyond_both_margins_combined():
    assert rules.nps_dropped(30.0, 45.0, (6.0, 7.0))  # 30 < 45 − 13
    assert not rules.nps_dropped(33.0, 45.0, (6.0, 7.0))  # inside the margins: noise
    assert not rules.nps_dropped(0.0, 45.0, (None, 7.0))


def test_target_missed_reads_the_better_direction():
    assert rules.target_missed(58_000, 60_000, "up") and not rules.target_missed(61_000, 60_000, "up")
    assert rules.target_missed(0.04, 0.03, "down") and not rules.target_missed(0.03, 0.03, "down")
    assert not rules.target_missed(None, 1.0, "up")


def test_rule_settings_ignore_what_is_malformed():
    chosen = rules.rules_from_pairs([("churn_spike_ratio", 2), ("mrr_drop", False), ("runway_months", "six"),
                                     ("unknown", 1), ("churn_spike_months", 0), ("nps_drop", 1), "junk"])
    assert chosen == rules.AlertRules(churn_spike_ratio=2.0, mrr_drop=False)


def test_alert_rules_round_trip_through_the_settings_json():
    settings = Settings(alert_rules=(("churn_spike_ratio", 2.0), ("mrr_drop", False)))
    assert settings_from_json(settings_to_json(settings)) == settings
    assert settings_from_json('{"alert_rules": 5}').alert_rules == ()
    assert settings_from_json('{"alert_rules": [["runway_months", 3], ["x", 1]]}').alert_rules == (
        ("runway_months", 3.0),)


def test_the_previous_nps_window_ends_where_this_one_begins():
    assert previous_window_months(90) == 3 and previous_window_months(30) == 1
    assert previous_window_months("month") == 1 and previous_window_months("all") == 1


# ── on a report ──────────────────────────────────────────────────────────────────────────

HOSTILE = '<img src=x onerror=alert(1)>=HYPERLINK("http://evil")'


def company(*, churn_in_august: bool = True, nps_drop: bool = False) -> Tables:
    """Eight customers from January 2025 and a ninth from August (€50); two leave in August (when asked):
    Acme (€300) and a customer with a hostile name (€100). Acme answered NPS 9 in March and 3 in August (a September
    answer comes too late); it has one ticket open at the end of August, one resolved in July and
    one opened in August, resolved in September (still open at the month's end)."""
    ids = list("ABCDEFGHI")
    ends = [None] * 9
    if churn_in_august:
        ends[0] = ends[1] = "2025-08-10"
    subscriptions = pd.DataFrame({
        "customer_id": ids, "start_date": pd.to_datetime(["2025-01-05"] * 8 + ["2025-08-01"]),
        "end_date": pd.to_datetime(ends), "amount": [300.0, 100.0] + [200.0] * 6 + [50.0], "currency": "EUR"})
    customers = pd.DataFrame({"customer_id": ids, "name": ["Acme", HOSTILE] + [f"Co {c}" for c in ids[2:]]})
    august_scores = [0] * 20 if nps_drop else [10] * 20
    nps = pd.DataFrame({
        "customer_id": ["A", "A", "A"] + ["C"] * 40,
        "score": [9, 3, 10] + [10] * 20 + august_scores,
        "date": pd.to_datetime(["2025-03-01", "2025-08-20", "2025-09-02"] + ["2025-05-10"] * 20 + ["2025-08-10"] * 20)})
    tickets = pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3", "t4"], "customer_id": ["A", "A", "A", "C"],
        "created_at": pd.to_datetime(["2025-06-01", "2025-07-01", "2025-08-15", "2025-08-01"]),
        "resolved_at": pd.to_datetime([None, "2025-07-03", "2025-09-03", "2025-08-02"])})
    return Tables({"subscriptions": subscriptions, "customers": customers, "nps": nps, "tickets": tickets}, {})


@pytest.fixture(scope="module")
def august() -> object:
    return build_report(company(), as_of="2025-08")


def test_a_churn_spike_names_the_customers_behind_it_with_mrr_last_nps_and_open_tickets(august):
    spikes = [a for a in evaluate_alerts(august) if a.rule == "churn_spike"]
    assert [a.kpi for a in spikes] == ["logo_churn_rate", "gross_mrr_churn_rate"]
    logo = spikes[0]
    assert logo.value == pytest.approx(2 / 8) and logo.reference == 0.0
    assert [(c.name, c.mrr_before, c.mrr_lost, c.last_nps, c.open_tickets) for c in logo.customers] == [
        ("Acme", 300.0, 300.0, 3.0, 2), (HOSTILE, 100.0, 100.0, None, 0)]
    assert "Acme (MRR €300 lost, last NPS 3, 2 open tickets)" in logo.message


def test_customers_behind_a_gross_churn_count_contractions_too():
    mrr = pd.DataFrame({pd.Period("2025-01", "M"): [100.0, 50.0, 10.0], pd.Period("2025-02", "M"): [0.0, 20.0, 15.0]},
                       index=pd.Index(["X", "Y", "Z"], name="customer_id"))
    behind = rules.customers_behind(mrr, pd.Period("2025-02", "M"), ("churn", "contraction"))
    assert behind[["customer_id", "movement", "mrr_lost"]].values.tolist() == [["X", "churn", 100.0],
                                                                            ["Y", "contraction", 30.0]]
    assert behind["last_nps"].isna().all() and behind["open_tickets"].isna().all()  # no surveys, no tickets


def test_a_month_without_churn_has_no_alert():
    quiet = build_report(company(churn_in_august=False), as_of="2025-08")
    assert evaluate_alerts(quiet) == ()
    assert quiet.to_json()["alerts"] == []


def test_the_json_report_lists_alerts_with_kpi_month_value_rule_message(august):
    alerts = august.to_json()["alerts"]
    assert {a["rule"] for a in alerts} == {"churn_spike", "mrr_drop", "nrr_below"}
    for alert in alerts:
        assert set(alert) == {"kpi", "month", "value", "rule", "message"}
        assert alert["month"] == "2025-08" and isinstance(alert["value"], float) and alert["message"]
    mrr = next(a for a in alerts if a["rule"] == "mrr_drop")
    assert mrr["kpi"] == "mrr" and mrr["value"] == 1250.0
    assert mrr["message"] == "MRR €1.25k in August 2025 is below July 2025's €1.60k (−€350)"


def test_rules_switched_off_in_the_settings_do_not_fire():
    off = Settings(alert_rules=(("churn_spike", False), ("mrr_drop", False), ("nrr_floor_percent", 50.0)))
    assert evaluate_alerts(build_report(company(), as_of="2025-08", settings=off)) == ()


def test_an_nps_drop_beyond_both_margins_fires_and_a_steady_nps_does_not(august):
    assert not [a for a in evaluate_alerts(august) if a.rule == "nps_drop"]
    dropped = build_report(company(nps_drop=True), as_of="2025-08")
    alert = next(a for a in evaluate_alerts(dropped) if a.rule == "nps_drop")
    assert alert.reference == 100.0 and alert.reference_month == pd.Period("2025-05", "M")
    assert alert.value < alert.reference - alert.margin


def test_a_missed_target_fires_only_when_targets_are_given(august):
    missed = [a for a in evaluate_alerts(august, targets={"mrr": 2000, "logo_churn_rate": 0.5}) if
              a.rule == "target_missed"]
    assert [(a.kpi, a.value, a.reference) for a in missed] == [("mrr", 1250.0, 2000.0)]
    assert missed[0].message == "MRR €1.25k in August 2025 missed its target of €2.00k"


def test_earlier_months_are_evaluated_on_the_same_report(august):
    assert evaluate_alerts(august, pd.Period("2025-07", "M")) == ()
    assert evaluate_alerts(august, pd.Period("2025-09", "M")) == ()  # after as_of: nothing known


def test_alerts_are_lowlights_of_the_investor_update_in_both_languages(august):
    lowlights = investor_update(august).lowlights
    churn = [o for o in lowlights if o.key == "logo_churn_rate"]
    assert [o.rule for o in churn] == ["alert"]  # the spike replaces the benchmark band it crossed
    assert churn[0].text.startswith("Logo churn 25.0")
    french = investor_update(august, language="fr").lowlights
    assert any(o.rule == "alert" and "en août 2025" in o.text for o in french)
    assert "août 2025" in alert_text(evaluate_alerts(august)[0], "fr")


def test_a_missed_target_keeps_its_own_lowlight_without_a_repeat(august):
    lowlights = investor_update(august, targets={"customers": 10}).lowlights
    assert [o.rule for o in lowlights if o.key == "customers"] == ["target"]
