"""The HTML report stays light: plotly.js inlined exactly once, gzipped, and nothing fetched."""

import base64
import gzip
import re

import pytest

from kpi.demo import load_demo
from kpi.exports.html import FIGURE_SCRIPT, PLOTLY_PACKED_ID, _plotly_js, to_html
from kpi.report.build import build_report
from kpi.report.update import investor_update

BEFORE = 4_877_971  # bytes of the demo's report with plotly.js inlined as text (docs/performance.md)


@pytest.fixture(scope="module")
def report_html() -> str:
    report = build_report(load_demo())
    return to_html(investor_update(report, company="Plumeo"), report)


def test_plotly_js_is_inlined_exactly_once_and_unpacks_to_the_library(report_html):
    packed = re.findall(rf'<script type="application/gzip;base64" id="{PLOTLY_PACKED_ID}">([A-Za-z0-9+/=]+)</script>',
                        report_html)
    assert len(packed) == 1
    assert gzip.decompress(base64.b64decode(packed[0])).decode("utf-8") == _plotly_js()
    library = _plotly_js()
    assert report_html.count(library[-2000:]) == 0  # never as text besides: not once per chart, not twice
    assert report_html.count(PLOTLY_PACKED_ID) == 2  # the payload and the loader that reads it


def test_the_demo_report_weighs_less_than_half_of_what_it_did(report_html):
    size = len(report_html.encode("utf-8"))
    assert size < BEFORE / 2, size
    assert size < 2_200_000


def test_each_chart_waits_for_the_library_and_nothing_is_fetched(report_html):
    figures = re.findall(rf'<script type="{FIGURE_SCRIPT}">\s*window.PLOTLYENV', report_html)
    assert len(figures) == 6  # bridge, trend, cohorts, NPS, cash, forecast
    assert report_html.count("<script>") == 0  # no figure script runs before plotly.js is there
    assert "DecompressionStream" in report_html
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img|@import|https?://cdn", report_html)
