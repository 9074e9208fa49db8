"""End to end in Chromium: the Revenue drill-through (a click on the bridge's Churn bar lists its customers,
negative, in euros, each linked to its page), the grey NPS delta inside its margin, and a target on a card.

One server for the module, with its own home: the targets saved here stay out of the other tests' workspace.
Screenshots go to tests/output/ (drill_*.png)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from kpi import formatting as fmt
from kpi.demo import load_demo
from kpi.metrics.revenue import bridge, movement_of
from kpi.report.build import build_report
from kpi.report.significance import change_margin
from tests.e2e.conftest import OUTPUT, Server, wait_for_app_run

pytestmark = pytest.mark.e2e
WAIT = 60_000


@pytest.fixture(scope="module")
def drill_server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("drill_home"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def report():
    return build_report(load_demo())


def shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the charts finish their first paint
    page.screenshot(path=str(OUTPUT / f"drill_{name}.png"), full_page=True)


def click_bar(page, chart_index: int, bar: int) -> None:
    """Click the middle of one bar of a waterfall (plotly's drag layer takes the click, as for a person)."""
    target = page.get_by_test_id("stPlotlyChart").nth(chart_index).locator(".waterfalllayer .point").nth(bar)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def grey(colour: str) -> bool:
    """An rgb()/rgba() colour whose channels are close: grey, not green or red."""
    channels = [float(v) for v in re.findall(r"[\d.]+", colour)[:3]]
    return max(channels) - min(channels) < 40


def test_clicking_the_churn_bar_lists_negative_amounts_with_links(drill_server, page, report):
    page.goto(f"{drill_server}/revenue")
    page.get_by_test_id("stPlotlyChart").first.locator(".waterfalllayer .point").nth(5).wait_for(timeout=WAIT)
    wait_for_app_run(page)
    moves = bridge(report.revenue.series, report.months[-1:])
    new_bar = page.get_by_test_id("stPlotlyChart").first.locator(".waterfalllayer .point").nth(1)
    box = new_bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # hover: the movement, signed
    expect(page.locator(".hoverlayer .hovertext").first).to_contain_text(f"New: +{fmt.money(moves['new'], 'EUR')}",
                                                                          timeout=WAIT)
    shot(page, "bridge_hover")
    click_bar(page, 0, 5)  # opening, new, expansion, reactivation, contraction, churn, closing
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=WAIT)
    wait_for_app_run(page)
    expected = movement_of(report.revenue.mrr, report.as_of)
    churned = expected[expected["movement"] == "churn"]
    churn = moves["churn"]
    expect(dialog.get_by_text(f"Churn · {report.as_of.strftime('%B %Y')}")).to_be_visible()
    expect(dialog.get_by_text(f"churn: {len(churned)} customers, {fmt.money(-churn, 'EUR')}")).to_be_visible()

    cells = dialog.locator("[role=gridcell]")
    expect(cells.first).to_be_attached(timeout=WAIT)
    texts = [cells.nth(i).inner_text() for i in range(min(cells.count(), 7 * 5))]
    # month, customer (its link), name, movement, change, MRR before, MRR after
    rows = [texts[i:i + 7] for i in range(0, len(texts) - 6, 7)]
    assert rows and all(row[3] == "churn" and float(row[4]) < 0 for row in rows)
    assert float(rows[0][4]) == pytest.approx(-churned["amount"].iloc[0])
    links = [row[1] for row in rows]
    assert all(link.startswith("customers?") for link in links)
    shot(page, "churn_dialog")

    # a link opens the customer's page with that customer chosen
    first = parse_qs(urlparse(links[0]).query)["customer"][0]
    page.goto(f"{drill_server}/{links[0]}")
    page.get_by_role("heading", name="One customer").wait_for(timeout=WAIT)
    wait_for_app_run(page)
    name = rows[0][2]
    expect(page.get_by_role("combobox", name="Customer")).to_have_value(f"{name} · {first}", timeout=WAIT)
    assert first in page.url
    page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=WAIT)  # the customer's MRR timeline
    wait_for_app_run(page)
    shot(page, "customer_opened")


def test_nps_change_inside_its_margin_is_grey_on_overview(drill_server, page, report):
    nps = report.metric("nps")
    assert abs(nps.change) < change_margin(report, "nps")  # the engine says: inside the margin
    page.goto(drill_server)
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 14", timeout=WAIT)
    wait_for_app_run(page)
    cards = page.get_by_test_id("stMetric")
    nps_card = cards.filter(has=page.get_by_test_id("stMetricLabel").filter(has_text=re.compile("^NPS$")))
    mrr_card = cards.filter(has=page.get_by_test_id("stMetricLabel").filter(has_text=re.compile("^MRR$")))
    nps_delta = nps_card.get_by_test_id("stMetricDelta")
    expect(nps_delta).to_contain_text("0.4 pts")
    expect(nps_card).to_contain_text(f"±{change_margin(report, 'nps'):.1f} pts")
    colour = nps_delta.evaluate("element => getComputedStyle(element).color")
    mrr_colour = mrr_card.get_by_test_id("stMetricDelta").evaluate("element => getComputedStyle(element).color")
    assert grey(colour), colour
    assert not grey(mrr_colour), mrr_colour  # +5.3 % MRR is green
    nps_card.scroll_into_view_if_needed()
    shot(page, "grey_nps")


def test_a_target_set_on_settings_shows_on_the_cards_and_the_trend(drill_server, page, report):
    page.goto(f"{drill_server}/settings")
    page.get_by_role("heading", name="Targets").wait_for(timeout=WAIT)
    wait_for_app_run(page)
    page.get_by_label("MRR (EUR)", exact=True).fill("66000")
    page.get_by_label("Logo churn (%)", exact=True).fill("4")
    page.get_by_role("button", name="Save the targets").click()
    expect(page.get_by_text(re.compile("^Targets in force"))).to_be_visible(timeout=WAIT)
    wait_for_app_run(page)

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 14", timeout=WAIT)
    wait_for_app_run(page)
    mrr = report.metric("mrr").value
    expect(page.get_by_text(f"Target €66.0k · {mrr / 66_000 * 100:.0f} %")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Target ≤ 4.0 % · met")).to_be_visible(timeout=WAIT)
    chart = page.get_by_test_id("stPlotlyChart").first
    chart.scroll_into_view_if_needed()
    expect(chart.get_by_text("Target €66.0k")).to_be_visible(timeout=WAIT)
    shot(page, "targets")

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Revenue").click()
    page.get_by_role("heading", name="Revenue").wait_for(timeout=WAIT)
    wait_for_app_run(page)
    expect(page.get_by_test_id("stPlotlyChart").nth(1).get_by_text("Target €66.0k")).to_be_visible(timeout=WAIT)
    shot(page, "revenue_target")


def test_clicking_an_at_risk_row_opens_that_customer(drill_server, page):
    page.goto(f"{drill_server}/customers")
    page.get_by_role("heading", name="One customer").wait_for(timeout=WAIT)
    wait_for_app_run(page)
    grid = page.get_by_test_id("stDataFrame").first
    cells = grid.locator("[role=gridcell]")
    expect(cells.first).to_be_attached(timeout=WAIT)
    ids: list[str] = []
    for _ in range(120):  # the grid draws its rows after its first cells on a busy machine: read until three are there
        texts = [cells.nth(i).inner_text() for i in range(min(cells.count(), 80))]  # the first rows
        ids = [text for text in texts if text.startswith("cus_")]
        if len(ids) >= 3:
            break
        page.wait_for_timeout(500)
    chosen = ids[2]  # the third most at risk
    expect(page.get_by_role("combobox", name="Customer")).not_to_have_value(re.compile(re.escape(chosen)))
    grid.scroll_into_view_if_needed()
    wait_for_app_run(page)
    picker = page.get_by_role("combobox", name="Customer")
    row_height, header = 35, 35  # st.dataframe's default row and header heights
    for attempt in range(3):  # a click that lands while the grid is still being laid out is lost: click again
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 16, box["y"] + header + row_height * 2.5)  # the third row's selection box
        try:
            expect(picker).to_have_value(re.compile(re.escape(chosen) + "$"), timeout=WAIT // 3)
            break
        except AssertionError:
            if attempt == 2:
                raise
            wait_for_app_run(page)
    wait_for_app_run(page)
    shot(page, "at_risk_row")
