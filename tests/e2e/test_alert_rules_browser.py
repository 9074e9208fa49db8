"""End to end: the Alert rules form of Definitions & settings on the demo company — the month's
alerts under the rules in force, and a changed threshold applied after saving."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OUTPUT, wait_for_app_run

pytestmark = pytest.mark.e2e
WAIT = 120_000


def test_the_alert_rules_form_shows_the_months_alerts_and_applies_a_new_floor(restartable_server, page):
    url = restartable_server.start()  # its own home: the saved rules stay out of the shared server
    page.goto(f"{url}/settings")
    heading = page.get_by_role("heading", name="Alert rules")
    heading.wait_for(timeout=WAIT)
    wait_for_app_run(page)
    summary = page.get_by_text(re.compile(r"^Under these rules, 1 alert for October 2026: NRR \(monthly\) 98\.8"))
    expect(summary).to_be_visible(timeout=WAIT)
    floor = page.get_by_label("NRR floor (%)", exact=True)
    expect(floor).to_have_value("100.00", timeout=WAIT)
    expect(page.get_by_label("Churn spike (logo churn or gross MRR churn)")).to_be_checked(timeout=WAIT)
    form = page.get_by_test_id("stForm").filter(has=heading)
    form.scroll_into_view_if_needed()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    form.screenshot(path=str(OUTPUT / "alert_rules.png"))

    floor.fill("98")
    page.get_by_role("button", name="Save the alert rules").click()
    expect(page.get_by_text("Under these rules, no alert fires for October 2026.")).to_be_visible(timeout=WAIT)
    wait_for_app_run(page)
    expect(page.get_by_label("NRR floor (%)", exact=True)).to_have_value("98.00")
    page.get_by_role("heading", name="Alert rules").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "alert_rules_saved.png"))
