"""End to end, hosted for a team: Alice shares her demo workspace with Bob as "can view".

Bob signs in through the mock OpenID Connect provider (the same one as test_oidc_browser.py),
sees the demo numbers, downloads an export, and finds Upload, Map columns, the settings and
"mark reported" disabled with one sentence; the same Bob calling the store directly is refused
(`ReadOnly`) and nothing is written. When Alice turns him into an editor, the settings open.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from kpi.demo import load_demo
from kpi.report.build import build_report
from kpi.store.model import ReadOnly
from tests.e2e.conftest import OUTPUT, download, wait_for_app_run
from tests.e2e.test_oidc_browser import (
    ALICE,
    BOB,
    DEMO,
    WAIT,
    go_to,
    linked_workspace,
    own_workspaces_page,
    sidebar_workspace,
    sign_in,
    signed_in,
)
from tests.e2e.test_oidc_browser import hosted as hosted  # noqa: F401  (module fixtures: server and provider)
from tests.e2e.test_oidc_browser import provider as provider  # noqa: F401
from ui import cards
from ui.access import READ_ONLY

pytestmark = pytest.mark.e2e


def overview_cards(page) -> dict[str, str]:
    """Every KPI card of the Overview, label → value, once the page has drawn them all."""
    page.get_by_test_id("stMetric").first.wait_for(timeout=WAIT)
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 17", timeout=WAIT)
    wait_for_app_run(page)
    metrics = page.get_by_test_id("stMetric")
    return {metrics.nth(i).get_by_test_id("stMetricLabel").inner_text().strip():
            metrics.nth(i).get_by_test_id("stMetricValue").inner_text().strip() for i in range(metrics.count())}


def open_page(page, title: str, heading: str) -> None:
    go_to(page, title)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=WAIT)
    wait_for_app_run(page)


def told_read_only(page) -> None:
    expect(page.get_by_test_id("stMain").get_by_text(READ_ONLY)).to_be_visible(timeout=WAIT)


def test_a_viewer_sees_and_exports_but_changes_nothing_through_the_ui_or_the_store(hosted, browser, tmp_path):
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1500}) for _ in range(2)]
    alice, bob = (context.new_page() for context in contexts)
    try:
        # Alice shares her demo workspace with Bob: "Can view" is what the form offers first
        alice_ws = own_workspaces_page(alice, hosted.url, ALICE)
        assert alice_ws and sidebar_workspace(alice) == DEMO
        alice.get_by_label("Share with (e-mail)").fill(BOB)
        alice.get_by_label("Share with (e-mail)").press("Enter")
        wait_for_app_run(alice)
        alice.get_by_role("button", name="Share", exact=True).click()
        alice.get_by_text(BOB, exact=True).wait_for(timeout=WAIT)
        wait_for_app_run(alice)
        with hosted.store() as store:
            assert store.shared_with(int(alice_ws), by=ALICE) == [(BOB, "view")]
            version = store.version(int(alice_ws), by=ALICE)
        alice.screenshot(path=str(OUTPUT / "viewer_alice_shares.png"), full_page=True)

        # Bob opens Alice's link: the demo's numbers, as the engine computes them
        sign_in(bob, hosted.url, BOB, f"?ws={alice_ws}")
        signed_in(bob, BOB)
        bob.goto(f"{hosted.url}/?ws={alice_ws}")
        signed_in(bob, BOB)
        report = build_report(load_demo())
        expected = {cards.CARDS[key].label: cards.CARDS[key].show(report.metric(key).value, report.currency)
                    for key in cards.OVERVIEW + cards.OVERVIEW_FINANCE}
        assert overview_cards(bob) == expected
        assert linked_workspace(bob) == alice_ws
        assert bob.get_by_text(READ_ONLY).count() == 0  # an analysis page is the same for everyone
        bob.screenshot(path=str(OUTPUT / "viewer_overview.png"), full_page=True)

        # he downloads the update's workbook, but cannot edit the update nor mark the month reported
        open_page(bob, "Investor update", "Investor update")
        told_read_only(bob)
        workbook = download(bob, "Workbook (XLSX)", tmp_path)
        assert len(load_workbook(workbook).sheetnames) >= 4
        assert bob.get_by_role("button", name="Edit the narrative and commentary").is_disabled()
        mark = bob.get_by_role("button", name="as reported")
        assert mark.count() == 1 and mark.is_disabled()
        bob.screenshot(path=str(OUTPUT / "viewer_investor_update.png"), full_page=True)

        # Upload: nothing to drop
        open_page(bob, "Upload", "Upload your files")
        told_read_only(bob)
        assert bob.get_by_test_id("stFileUploaderDropzoneInput").is_disabled()
        bob.screenshot(path=str(OUTPUT / "viewer_upload.png"), full_page=True)

        # Map columns: every choice shown, none editable
        open_page(bob, "Map columns", "Map columns")
        told_read_only(bob)
        choices = bob.get_by_test_id("stMain").get_by_test_id("stSelectbox").locator("input")  # in every sheet's row
        choices.first.wait_for(state="attached", timeout=WAIT)
        assert choices.count() >= 2 and all(choices.nth(i).is_disabled() for i in range(choices.count()))
        bob.screenshot(path=str(OUTPUT / "viewer_mapping.png"), full_page=True)

        # Definitions & settings: every form's button disabled, bank categories included
        open_page(bob, "Definitions & settings", "Definitions & settings")
        told_read_only(bob)
        for label in ("Apply to every page", "Back to the defaults", "Save the financing categories",
                      "Save the targets"):
            assert bob.get_by_role("button", name=label).is_disabled(), label
        bob.wait_for_timeout(1000)  # let the form's widgets finish their first paint
        bob.screenshot(path=str(OUTPUT / "viewer_settings.png"), full_page=True)

        # the same Bob calling the store directly is refused, and nothing was written
        with hosted.store() as store:
            assert store.role(int(alice_ws), by=BOB) == "viewer"
            writes = {
                "save_settings": lambda: store.save_settings(int(alice_ws), '{"nps_rule": "latest"}', by=BOB),
                "save_mapping": lambda: store.save_mapping(int(alice_ws), "{}", by=BOB),
                "add_file": lambda: store.add_file(int(alice_ws), "more.csv", b"a,b\n1,2\n", by=BOB),
                "mark_reported": lambda: store.mark_reported(int(alice_ws), str(report.as_of), report.to_json(),
                                                             by=BOB),
                "share": lambda: store.share(int(alice_ws), BOB, "edit", by=BOB),
            }
            for name, write in writes.items():
                with pytest.raises(ReadOnly, match=f"{BOB} can view this workspace but not change it") as refused:
                    write()
                assert refused.value.user == BOB, name
            assert store.version(int(alice_ws), by=ALICE) == version, "a refused write changed the workspace"
            assert store.snapshots(int(alice_ws), by=ALICE) == []
            assert store.shared_with(int(alice_ws), by=ALICE) == [(BOB, "view")]

        # Alice makes him an editor on her list of guests: his settings open
        alice.get_by_test_id("stMain").get_by_test_id("stButtonGroup").first.get_by_text("Can edit", exact=True).click()  # Bob's row
        wait_for_app_run(alice)
        with hosted.store() as store:
            assert store.shared_with(int(alice_ws), by=ALICE) == [(BOB, "edit")]
        bob.reload()
        bob.get_by_role("heading", name="Definitions & settings").wait_for(timeout=WAIT)
        wait_for_app_run(bob)
        assert bob.get_by_role("button", name="Apply to every page").is_enabled()
        assert bob.get_by_test_id("stMain").get_by_text(READ_ONLY).count() == 0
        alice.screenshot(path=str(OUTPUT / "viewer_alice_made_bob_editor.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
