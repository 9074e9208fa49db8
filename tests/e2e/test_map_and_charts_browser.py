"""End to end: Map columns guides after an upload, the Retention heatmap is readable, the HTML
report draws its charts offline. One server for the module, with its own home."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.demo import load_demo
from kpi.exports.html import to_html
from kpi.report.build import build_report
from kpi.report.update import investor_update
from tests.e2e.conftest import OUTPUT, Server, wait_for_app_run
from tests.e2e.test_upload_browser import FRENCH

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("KPI_SCREENSHOTS") or OUTPUT)  # where the screenshots go to be looked at
BILLING = """customer_id,start_date,end_date,amount,plan
c1,2024-01-01,,29,Starter
c2,2024-02-01,2024-06-30,99,Pro
c3,2024-03-01,,49,Starter
c4,2024-03-15,,199,Business
"""


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("home"))
    yield server.start()
    server.stop()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # charts finish their first paint
    page.screenshot(path=str(SHOTS / name), full_page=True)


def expander(page, name: str):
    return page.get_by_test_id("stExpander").filter(has_text=name)


def is_open(section) -> bool:
    return section.locator("details").first.evaluate("details => details.open")


def test_map_columns_says_each_sheets_table_and_status_and_proposes_columns_for_a_new_table(url, page, tmp_path):
    billing = tmp_path / "billing.csv"
    billing.write_text(BILLING)
    page.goto(f"{url}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(billing), FRENCH])
    page.get_by_text("Read 2 of 2 file(s).").wait_for(timeout=60_000)
    page.get_by_label("Workspace name").fill("Two exports")
    page.get_by_role("button", name="Open these files as my workspace").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    wait_for_app_run(page)

    clean, french = expander(page, "billing.csv"), expander(page, "abonnements_fr.csv")
    assert "billing.csv → Subscriptions · 4 rows" in clean.locator("summary").inner_text()
    assert "abonnements_fr.csv → Subscriptions · 5 rows · 2 rows rejected" in french.locator("summary").inner_text()
    assert not is_open(clean) and is_open(french)  # only the sheet that needs a look is opened
    page.get_by_text("1 need(s) a look").wait_for()
    shot(page, "map_columns_statuses.png")
    clean.scroll_into_view_if_needed()
    shot(page, "map_columns_statuses_collapsed_sheet.png")

    clean.locator("summary").click()
    table = clean.get_by_role("combobox", name="This sheet is")
    table.click()
    page.keyboard.type("Invoices")  # the list filters as one types, as a person would pick it
    page.keyboard.press("Enter")
    page.wait_for_function("() => Array.from(document.querySelectorAll('input[aria-label=\"This sheet is\"]'))"
                           ".some(input => input.value === 'Invoices')", timeout=60_000)
    wait_for_app_run(page)
    clean = expander(page, "billing.csv")
    if not is_open(clean):  # the rerun draws it anew; open it to look
        clean.locator("summary").click()
    clean.get_by_role("combobox", name="Date *").wait_for(timeout=60_000)
    assert clean.get_by_role("combobox", name="Customer ID *").input_value() == "customer_id"
    assert clean.get_by_role("combobox", name="Amount *").input_value() == "amount"
    assert clean.get_by_role("combobox", name="Date *").input_value() in ("start_date", "end_date")
    expect(clean.locator("summary")).to_contain_text("billing.csv → Invoices", timeout=60_000)  # saved, then redrawn
    wait_for_app_run(page)
    clean = expander(page, "billing.csv")
    if not is_open(clean):  # the save's rerun may draw it closed again
        clean.locator("summary").click()
    clean.get_by_role("combobox", name="Amount *").scroll_into_view_if_needed(timeout=60_000)
    shot(page, "map_columns_new_table_proposed.png")

    page.get_by_role("button", name="Looks right → see your numbers").click()
    page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)


def test_retention_heatmap_opens_by_quarter_with_readable_numbers_and_an_average_row(url, page):
    page.goto(f"{url}/retention")
    page.get_by_role("heading", name="Retention", exact=True).wait_for(timeout=60_000)
    page.locator(".js-plotly-plot:visible").first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    page.get_by_text("Shown by quarter: 36 monthly cohorts").wait_for()
    heatmap = page.locator(".js-plotly-plot:visible").first  # the logo heatmap, in the first tab
    heatmap.scroll_into_view_if_needed()
    shot(page, "retention_quarterly_heatmap.png")
    ticks = heatmap.evaluate("""plot => Array.from(plot.querySelectorAll('.ytick text'))
        .map(t => [t.getBoundingClientRect().top, t.textContent])""")  # the cohorts' axis, and the colour bar's
    rows = [text for _, text in sorted(ticks) if " · " in text or text == "Average"]  # top to bottom, as seen
    assert len(rows) == 14 and rows[-1] == "Average", rows  # 13 quarterly cohorts, then the Average row
    assert rows[0].startswith("2023 Q4") and all(" Q" in row for row in rows[:-1])
    sizes = heatmap.evaluate("""plot => Array.from(plot.querySelectorAll('text'))
        .filter(t => /^\\d+%$/.test(t.textContent)).map(t => parseFloat(getComputedStyle(t).fontSize))""")
    assert len(sizes) > 50 and min(sizes) >= 10  # every cell number readable

    page.get_by_text("Counts & amounts", exact=True).click()
    wait_for_app_run(page)
    page.get_by_role("tab", name="Revenue retention").click()
    page.wait_for_timeout(500)
    revenue = page.locator(".js-plotly-plot:visible").first  # the tab shown: revenue
    amounts = revenue.evaluate("""plot => Array.from(plot.querySelectorAll('text'))
        .filter(t => /k$/.test(t.textContent)).map(t => t.getBoundingClientRect())
        .map(box => [box.left, box.width, box.top])""")
    revenue.scroll_into_view_if_needed()
    shot(page, "retention_quarterly_amounts.png")
    assert amounts
    rows: dict[float, list] = {}
    for x, width, y in amounts:
        rows.setdefault(round(y), []).append((x, width))
    for labels in rows.values():  # no two amounts of a row touch: "1.2k1.2k" is gone
        labels.sort()
        assert all(left + width < right for (left, width), (right, _) in zip(labels, labels[1:], strict=False))


def test_the_html_report_draws_its_six_charts_with_no_network(page, tmp_path):
    report = build_report(load_demo())
    path = tmp_path / "report.html"
    path.write_text(to_html(investor_update(report, company="Plumeo"), report), encoding="utf-8")
    fetched = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (fetched.append(route.request.url), route.abort()))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 6", timeout=60_000)
    # MRR bridge, MRR trend, two cohort heatmaps, cash & burn, MRR forecast
    assert page.locator(".plotly-graph-div").count() == 6
    assert fetched == []
    shot(page, "html_report.png")
