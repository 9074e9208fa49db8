"""The deck colours a change only when it is significant (kpi.report.significance): the demo's NPS change
of October 2026 is inside its margin and reads grey, the MRR growth green."""

import io

import pytest
from pptx import Presentation

from kpi.demo import load_demo
from kpi.exports.pptx import to_pptx
from kpi.exports.pptx_deck import Deck
from kpi.report.build import build_report
from kpi.report.significance import change_margin
from kpi.report.update import PALETTE, investor_update


@pytest.fixture(scope="module")
def demo():
    report = build_report(load_demo())
    return investor_update(report, company="Plumeo"), report


def change_colours(deck) -> dict[str, str]:
    """KPI label → the colour of its Change cell in the key-metrics table."""
    table = next(shape.table for slide in deck.slides for shape in slide.shapes if shape.has_table)
    out = {}
    for row in list(table.rows)[1:]:
        cells = list(row.cells)
        run = cells[3].text_frame.paragraphs[0].runs[0]
        out[cells[0].text] = str(run.font.color.rgb)
    return out


def test_nps_change_inside_its_margin_is_grey_in_the_deck(demo):
    update, report = demo
    nps = update.metric("nps")
    assert nps.change < 0 and nps.better is None  # a fall inside its margin: the update itself says "neither"
    colours = change_colours(Presentation(io.BytesIO(to_pptx(update, report))))
    assert colours["NPS"] == PALETTE["muted"]
    assert colours["MRR"] == PALETTE["good"]  # +5.3 %: significant, good news


def test_tone_keeps_a_significant_change_and_greys_the_others(demo):
    update, report = demo
    deck = Deck(update, report)
    assert deck.tone(update.metric("nps")) is None
    assert deck.tone(update.metric("mrr")) is True
    logo = update.metric("logo_churn_rate")
    assert deck.tone(logo) is logo.better  # churn counts every customer: only the zero rule applies


def test_a_quarter_against_last_year_compares_the_answers_twelve_months_apart(demo):
    _, report = demo
    update = investor_update(report, period="quarter", compare="last_year", company="Plumeo")
    nps = update.metric("nps")
    margin = change_margin(report, "nps", back=12)
    # October 2026 against October 2025: +9.4 pts (41.9 on 406 answers vs 32.5 on 200), margin ±12.0
    assert nps.change == pytest.approx(9.37, abs=0.01) and margin == pytest.approx(11.97, abs=0.01)
    assert nps.better is None  # a rise, but inside the margin: neither good nor bad news, in every export
    assert Deck(update, report).tone(nps) is None  # grey, not green
