"""End to end: pages under a segment filter, whose report reads the segment's MRR from the company's
matrix (kpi.metrics.revenue.matrix_of), in Chromium: the numbers a founder sees are the engine's
for the segment's own tables."""

import re

import pytest
from playwright.sync_api import expect

from kpi.demo import load_demo
from kpi.metrics import health
from kpi.metrics.revenue import movement_details
from kpi.report.build import build_report, customer_names, filter_tables
from tests.e2e.conftest import OUTPUT, wait_for_app_run
from ui import drill

pytestmark = pytest.mark.e2e
WAIT = 90_000


@pytest.fixture(scope="module")
def smb():
    tables = load_demo()
    whole = build_report(tables)
    return build_report(filter_tables(tables, {"segment": ["SMB"]}), whole.as_of, company=whole.revenue)


def shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the charts finish their first paint
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def test_customers_under_a_filter_open_on_the_segments_most_at_risk_customer(server, page, smb):
    tables = smb.tables
    scores = health.health_scores(smb.as_of, mrr=smb.revenue.mrr, events=tables.get("events"),
                                  nps=tables.get("nps"), tickets=tables.get("tickets"),
                                  customers=tables.get("customers"))
    first = health.health_table(scores, customers=tables.get("customers"), mrr=smb.revenue.mrr, as_of=smb.as_of)
    label = health.customer_directory(tables.get("customers"), smb.revenue.mrr).set_index("customer_id")["label"]
    page.goto(f"{server}/customers?segment=SMB")
    page.get_by_role("heading", name="One customer").wait_for(timeout=WAIT)
    expect(page.get_by_text(re.compile(r"filtered: segment: SMB"))).to_be_visible(timeout=WAIT)
    wait_for_app_run(page)
    picker = page.get_by_role("combobox", name="Customer")
    expect(picker).to_have_value(label[str(first["customer_id"].iloc[0])], timeout=WAIT)
    shot(page, "customers_smb")


def test_revenue_under_a_filter_lists_the_segments_movers_with_their_links(server, page, smb):
    details = movement_details(smb.revenue.mrr, smb.months[-1:])
    details.insert(2, "name", details["customer_id"].map(customer_names(smb.tables)))
    page.goto(f"{server}/revenue?segment=SMB")
    page.get_by_role("heading", name="Movements table").wait_for(timeout=WAIT)
    wait_for_app_run(page)
    expect(page.get_by_text(drill.summary(details, smb.currency), exact=True)).to_be_visible(timeout=WAIT)
    links = drill.customer_links(details["customer_id"], {"segment": "SMB"})
    assert links[0] == drill.customer_link(str(details["customer_id"].iloc[0]), {"segment": "SMB"})
    shot(page, "revenue_smb")


def test_alerts_under_a_filter_show_the_segments_last_12_months(server, page):
    page.goto(f"{server}/alerts?segment=SMB")
    page.get_by_role("heading", name="Alerts").first.wait_for(timeout=WAIT)
    expect(page.get_by_text(re.compile(r"filtered: segment: SMB")).first).to_be_visible(timeout=WAIT)
    wait_for_app_run(page)
    shot(page, "alerts_smb")
