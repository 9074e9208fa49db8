"""The investor update's words (kpi/report/narrative.py) and model (kpi/report/update.py): golden narratives in
English and French on a hand-checkable fixture, number formatting, and the highlight rules."""

import dataclasses

import pandas as pd
import pytest

from kpi.ingest.mapping import Tables
from kpi.report.build import build_report, customer_names
from kpi.report.narrative import NBSP, THIN, Facts, Numbers, narrative, period_label
from kpi.report.update import COMMENTARY_FIELDS, customer_label, investor_update
from kpi.report.update_views import period_movements

S = NBSP  # the no-break space before % and units


def _subscriptions(rows, **extra):
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "start_date": pd.to_datetime([r[1] for r in rows]),
        "end_date": pd.to_datetime([r[2] for r in rows]),
        "amount": [float(r[3]) for r in rows],
        "currency": "EUR",
        **extra,
    })


@pytest.fixture(scope="module")
def report():
    """January–March 2025. March: D new (4 000), A expands 1 000 → 1 500, E contracts 500 → 300,
    B churns (2 000). MRR 3 500 → 6 500 → 8 800; net new March 2 300 (February: C, 3 000)."""
    rows = [("A", "2025-01-01", "2025-03-01", 1000), ("A", "2025-03-01", None, 1500),
            ("B", "2025-01-01", "2025-03-01", 2000), ("C", "2025-02-01", None, 3000),
            ("D", "2025-03-01", None, 4000), ("E", "2025-01-01", "2025-03-01", 500),
            ("E", "2025-03-01", None, 300)]
    customers = pd.DataFrame({"customer_id": list("ABCDE"),
                              "name": ["Acme", "Bolt SAS", "Cobalt", "Dune & Co", None]})
    return build_report(Tables({"subscriptions": _subscriptions(rows), "customers": customers}, {}))


def test_english_narrative_golden(report):
    update = investor_update(report, language="en")
    assert update.narrative == (
        f"In March 2025, MRR grew 35.4{S}% to €8.80k; net new MRR €2.30k (€3.00k in February 2025): "
        f"new €4.00k, expansion €500, contraction −€200, churn −€2.00k. 4 paying customers (1 new, 1 churned); "
        f"logo churn 25.0{S}% (0.0{S}% in February 2025). NRR 73.8{S}% for the month."
    )


def test_french_narrative_golden_uses_french_numbers_and_spaces(report):
    update = investor_update(report, language="fr")
    assert update.narrative == (
        f"En mars 2025, le MRR a progressé de 35,4{S}% à 8,80{S}k€{S}; MRR net nouveau 2,30{S}k€ "
        f"(3,00{S}k€ en février 2025){S}: nouveaux 4,00{S}k€, expansion 500{S}€, contraction −200{S}€, "
        f"churn −2,00{S}k€. 4 clients payants (1 nouveau, 1 perdu){S}; churn clients 25,0{S}% "
        f"(0,0{S}% en février 2025). NRR 73,8{S}% sur le mois."
    )


def test_narrative_is_deterministic(report):
    assert investor_update(report).narrative == investor_update(report).narrative
    update = investor_update(report, language="fr")
    assert update.generated_narrative == update.narrative


def test_narrative_of_a_falling_month_from_facts():
    facts = Facts(language="en", currency="USD", period="month", compare="previous", period_label="June 2025",
                  comparison_label=None, mrr=9000.0, mrr_start=10000.0, churn=1000.0, customers=9,
                  churned_customers=1, logo_churn=0.1)
    assert narrative(facts) == (f"In June 2025, MRR fell 10.0{S}% to $9.00k; net new MRR −$1.00k: churn −$1.00k. "
                                f"9 paying customers (0 new, 1 churned); logo churn 10.0{S}%.")
    french = dataclasses.replace(facts, language="fr", period_label="juin 2025")
    assert narrative(french).startswith(f"En juin 2025, le MRR a reculé de 10,0{S}% à 9,00{S}k$")


def test_year_on_year_comparison_adds_the_annual_growth():
    facts = Facts(language="en", currency="EUR", period="quarter", compare="last_year", period_label="Q2 2025",
                  comparison_label="Q2 2024", mrr=12000.0, mrr_start=10000.0, mrr_comparison=8000.0, new=2000.0,
                  net_new_comparison=500.0)
    assert narrative(facts) == (f"In Q2 2025, MRR grew 20.0{S}% to €12.0k (+50.0{S}% year on year); net new MRR "
                                f"€2.00k (€500 in Q2 2024): new €2.00k.")


def test_numbers_in_english_and_french():
    en, fr = Numbers("en", "EUR"), Numbers("fr", "EUR")
    assert (en.money(51_200), fr.money(51_200)) == ("€51.2k", f"51,2{S}k€")
    assert (en.money(-1_400), fr.money(-1_400)) == ("−€1.40k", f"−1,40{S}k€")
    assert (en.money(1_300_000), fr.money(1_300_000)) == ("€1.30M", f"1,30{S}M€")
    assert (en.money(950), fr.money(950), fr.money(0)) == ("€950", f"950{S}€", f"0{S}€")
    assert (en.percent(0.061), fr.percent(0.061)) == (f"6.1{S}%", f"6,1{S}%")
    assert fr.count(1234) == f"1{THIN}234"
    assert (en.points(41.87), en.points(-7.2), en.points(0.2)) == ("+42", "−7", "0")
    assert (en.change("rate", "difference", -0.012), fr.change("rate", "difference", -0.012)) == \
        (f"−1.2{S}pp", f"−1,2{S}pt")
    assert en.change("rate", "difference", 0.0001) == f"0.0{S}pp"  # no sign on what rounds to zero
    assert (en.months(15.74), fr.ratio(2.058)) == (f"15.7{S}months", "2,06×")
    assert Numbers("fr", None).money(51_200) == f"51,2{S}k" and Numbers("fr", "SEK").money(51_200) == f"51,2{S}k SEK"
    assert en.money(None) == "n/a" and fr.money(None) == "n.d."


def test_period_labels():
    months = [pd.Period("2026-07", "M"), pd.Period("2026-08", "M"), pd.Period("2026-09", "M")]
    assert period_label(months[-1:], "month", "en") == "September 2026"
    assert period_label(months[-1:], "month", "fr") == "septembre 2026"
    assert period_label(months, "quarter", "en") == "Q3 2026"
    assert period_label(months, "quarter", "fr") == "T3 2026"
    assert period_label(months[:2], "quarter", "en") == "Q3 2026 through August"
    assert period_label(months[:1], "quarter", "fr") == "T3 2026 jusqu’à juillet"


def test_headline_values_are_the_engine_numbers(report):
    update = investor_update(report)
    revenue = report.to_json()["revenue"]
    for key in ("mrr", "arr", "customers", "arpa", "logo_churn_rate", "gross_mrr_churn_rate", "nrr_monthly"):
        assert update.metric(key).value == revenue[key]
    assert update.metric("mrr").comparison == 6500 and update.metric("mrr").change == pytest.approx(8800 / 6500 - 1)
    assert update.metric("net_new_mrr").value == pytest.approx(2300) and update.metric("net_new_mrr").comparison == 3000
    assert update.metric("mrr_growth").value == pytest.approx(revenue["mrr_growth_mom"])
    churn = update.metric("logo_churn_rate")
    assert (churn.value_text, churn.comparison_text, churn.change_text, churn.better) == \
        (f"25.0{S}%", f"0.0{S}%", f"+25.0{S}pp", False)
    assert update.metric("nrr_12m") is None  # no month twelve months back: left out, not n/a
    assert update.metric("nps") is None  # no survey given


def test_highlights_and_lowlights_follow_the_rules(report):
    update = investor_update(report, targets={"mrr": 8000})
    highlights = [(o.rule, o.key, o.text) for o in update.highlights]
    lowlights = [(o.rule, o.key, o.text) for o in update.lowlights]
    assert highlights == [
        ("target", "mrr", "MRR hit its target of €8.00k: €8.80k (€6.50k in February 2025)"),
        ("movement", "new", "New MRR €4.00k from 1 new customer (€3.00k in February 2025)"),
        ("movement", "expansion", "Expansion MRR €500 from 1 customer (€0 in February 2025)"),
        ("customer", "new", "Largest new customer: Dune & Co (+€4.00k MRR)"),
    ]
    assert lowlights[:2] == [
        ("benchmark", "logo_churn_rate", f"Logo churn moved into the above-typical band (over 8{S}%/month): "
                                         f"25.0{S}% (0.0{S}% in February 2025)"),
        ("benchmark", "nrr_monthly", f"NRR (monthly) fell below 100{S}%: 73.8{S}% (100.0{S}% in February 2025)"),
    ]
    assert [o.key for o in update.lowlights[2:]] == ["churn", "contraction", "churn"]
    assert update.lowlights[-1].text == "Largest churn: Bolt SAS (−€2.00k MRR)"


def test_a_target_missed_is_a_lowlight_ranked_before_the_movements(report):
    update = investor_update(report, targets={"mrr": 9000, "logo_churn_rate": 0.05})
    texts = [o.text for o in update.lowlights]
    assert texts[0] == f"Logo churn no longer meets its target of 5.0{S}%: 25.0{S}% (0.0{S}% in February 2025)"
    assert texts[3] == "MRR €8.80k: target missed (€9.00k)"
    with pytest.raises(ValueError, match="no headline KPI"):
        investor_update(report, targets={"revenue": 1})


def test_customers_behind_the_movements_carry_their_names(report):
    details = period_movements(investor_update(report), report)
    assert list(zip(details["customer_id"], details["name"], details["movement"], details["change"], strict=True)) == [
        ("D", "Dune & Co", "new", 4000.0), ("A", "Acme", "expansion", 500.0), ("E", "", "contraction", -200.0),
        ("B", "Bolt SAS", "churn", -2000.0)]
    assert customer_label(customer_names(report.tables), "E") == "E"  # no name: the id speaks for it


def test_quarter_and_last_year_periods(report):
    quarter = investor_update(report, period="quarter")
    assert quarter.period_label == "Q1 2025"
    assert quarter.months == tuple(pd.period_range("2025-01", "2025-03", freq="M"))
    assert quarter.bridge.start == 0 and quarter.bridge.end == 8800 and quarter.comparison_bridge is None
    assert quarter.metric("logo_churn_rate").label == "Logo churn (monthly avg)"
    assert quarter.narrative.startswith("In Q1 2025, MRR reached €8.80k; net new MRR €8.80k:")
    last_year = investor_update(report, compare="last_year", language="fr")
    assert last_year.comparison_label == "mars 2024" and last_year.metric("mrr").comparison is None
    with pytest.raises(ValueError, match="period must be one of"):
        investor_update(report, period="week")


def test_commentary_fields_are_user_text_that_can_be_edited(report):
    update = investor_update(report, commentary={"asks": " Intros to CFOs \x00", "hires": "A CTO"})
    assert [name for name, _ in update.commentary] == list(COMMENTARY_FIELDS)
    assert update.commentary_text("asks") == "Intros to CFOs" and update.commentary_text("product") == ""
    edited = update.with_commentary({"product": "Launched SSO"}).with_narrative("Our own words.")
    assert edited.commentary_text("product") == "Launched SSO" and edited.commentary_text("hires") == "A CTO"
    assert edited.narrative == "Our own words." and edited.generated_narrative == update.narrative
    with pytest.raises(ValueError, match="unknown commentary field"):
        investor_update(report, commentary={"news": "x"})
