"""End to end: a workspace of one table alone reports on its own — a ticket export on Support, a
customer list without dates on Customers & health."""

import pytest

from tests.e2e.conftest import OUTPUT, wait_for_app_run

pytestmark = pytest.mark.e2e

# March 2025: T1 (2 h) and T3 (4 h) solved at first contact, T2 (24 h) after 3 replies, T4 still open;
# T5 is February's → 4 tickets, FCR 2 of 3 known, median resolution 4 h
TICKETS = """Ticket ID,Customer ID,Created at,Solved at,Agent replies,First contact resolution
T1,cus_1,2025-03-03 09:00:00,2025-03-03 11:00:00,1,Yes
T2,cus_2,2025-03-10 10:00:00,2025-03-11 10:00:00,3,No
T3,cus_1,2025-03-20 08:00:00,2025-03-20 12:00:00,1,Yes
T4,cus_3,2025-03-28 15:00:00,,,
T5,cus_2,2025-02-14 09:00:00,2025-02-14 10:00:00,1,Yes
"""


def open_as_workspace(page, server: str, path, name: str) -> None:
    """Upload one file as a new workspace called `name`, as a founder would, and wait for Map columns."""
    page.goto(f"{server}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(path)])
    page.get_by_text("Read 1 of 1 file(s).").wait_for(timeout=60_000)
    page.get_by_label("Workspace name").fill(name)
    page.get_by_role("button", name="Open these files as my workspace").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    wait_for_app_run(page)


def test_a_tickets_only_workspace_shows_its_support_numbers(server, page, tmp_path):
    tickets = tmp_path / "helpdesk_export.csv"
    tickets.write_text(TICKETS, encoding="utf-8")
    open_as_workspace(page, server, tickets, "Tickets only (e2e)")
    page.get_by_role("link", name="Support").click()
    page.get_by_text("Tickets created in March 2025").wait_for(timeout=60_000)
    wait_for_app_run(page)
    cards = page.get_by_test_id("stMetric")
    shown = {cards.nth(i).get_by_test_id("stMetricLabel").inner_text().strip():
             cards.nth(i).get_by_test_id("stMetricValue").inner_text().strip() for i in range(cards.count())}
    assert shown["Tickets"] == "4"
    assert shown["First-contact resolution"] == "66.7 %"
    assert shown["Median resolution time"] == "4.0 h"
    assert page.get_by_text("Add a subscriptions or invoices file to see the MRR").count() == 1
    page.screenshot(path=str(OUTPUT / "support_tickets_only.png"), full_page=True)


# A churn study's customer list (the layout of the public Telco churn data set): no dates at all.
# Active = not churned with MRR > 0: C1, C3, C4, C6 → 4, MRR 50 + 70 + 100 + 30 = 250, ARPA 62.50;
# churned C2 and C5 → 2 of 6 = 33.3 %, their MRR 30 + 20 = 50 of 300 = 16.7 %.
CHURN_LIST = """customerID,gender,tenure,Contract,MonthlyCharges,TotalCharges,Churn
C1,Female,12,Month-to-month,50.00,600.00,No
C2,Male,3,Month-to-month,30.00,90.00,Yes
C3,Female,24,One year,70.00,1680.00,No
C4,Male,40,Two year,100.00,4000.00,No
C5,Female,1,Month-to-month,20.00,20.00,Yes
C6,Male,15,One year,30.00,450.00,No
"""


def test_a_customer_list_without_dates_shows_its_snapshot(server, page, tmp_path):
    churn = tmp_path / "churn_study.csv"
    churn.write_text(CHURN_LIST, encoding="utf-8")
    open_as_workspace(page, server, churn, "Churn study (e2e)")
    page.get_by_role("link", name="Customers & health").click()
    page.get_by_text("Customer list snapshot").wait_for(timeout=60_000)
    page.get_by_test_id("stMetricLabel").filter(has_text="Active customers").wait_for(timeout=60_000)
    wait_for_app_run(page)
    cards = page.get_by_test_id("stMetric")
    shown = {cards.nth(i).get_by_test_id("stMetricLabel").inner_text().strip():
             cards.nth(i).get_by_test_id("stMetricValue").inner_text().strip() for i in range(cards.count())}
    assert shown["Active customers"] == "4"
    assert shown["Churned"] == "2"
    assert shown["Churned share"] == "33.3 %"
    assert shown["Churned MRR share"] == "16.7 %"
    assert "250" in shown["MRR"] and "62.50" in shown["ARPA"]
    assert page.get_by_text("This list has no dates").count() == 1
    page.screenshot(path=str(OUTPUT / "customers_snapshot.png"), full_page=True)
