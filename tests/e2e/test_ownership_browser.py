"""End to end, hosted for a team: what the store's ownership rule looks like in the browser.

Alice shares her demo workspace with Bob as "can edit". Bob opens it from Alice's link: the
Workspaces page keeps Rename and Delete to the owner, and the same Bob calling the store
directly is refused (`Forbidden`, nothing written). Then Alice stops sharing it while Bob still
has it open: his next page says so in one sentence (the store answers `NotFound`, as for a
workspace that does not exist), never a traceback, and shows his own workspace.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.store.model import Forbidden, ReadOnly
from tests.e2e.conftest import OUTPUT, wait_for_app_run
from tests.e2e.test_oidc_browser import (
    ALICE,
    BOB,
    WAIT,
    go_to,
    linked_workspace,
    own_workspaces_page,
    sign_in,
    signed_in,
)
from tests.e2e.test_oidc_browser import hosted as hosted  # noqa: F401  (module fixtures: server and provider)
from tests.e2e.test_oidc_browser import provider as provider  # noqa: F401
from ui.access import GONE

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("KPI_SCREENSHOTS") or OUTPUT)


def test_an_editor_cannot_rename_or_delete_and_a_workspace_unshared_meanwhile_says_so(hosted, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1500}) for _ in range(2)]
    alice, bob = (context.new_page() for context in contexts)
    try:
        alice_ws = own_workspaces_page(alice, hosted.url, ALICE)
        assert alice_ws and alice_ws.isdigit()
        with hosted.store() as store:
            store.share(int(alice_ws), BOB, "edit", by=ALICE)

        # Bob opens Alice's link: her workspace, as an editor, without Rename and Delete
        sign_in(bob, hosted.url, BOB, "workspaces")
        signed_in(bob, BOB)
        bob.goto(f"{hosted.url}/workspaces?ws={alice_ws}")
        signed_in(bob, BOB)
        main = bob.get_by_test_id("stMain")
        main.get_by_text(f"Shared with you by {ALICE}, who lets you edit it").wait_for(timeout=WAIT)
        wait_for_app_run(bob)
        assert linked_workspace(bob) == alice_ws
        expect(main.get_by_test_id("stTextInput").first.locator("input")).to_be_disabled(timeout=WAIT)
        expect(main.get_by_role("button", name="Delete…")).to_be_disabled(timeout=WAIT)
        expect(main.get_by_role("button", name="Duplicate")).to_be_enabled()
        bob.screenshot(path=str(SHOTS / "ownership_editor_workspaces.png"), full_page=True)

        # the same Bob calling the store is refused what the page does not offer him
        with hosted.store() as store:
            version = store.version(int(alice_ws), by=ALICE)
            for refused in (lambda: store.rename(int(alice_ws), "Bob's now", by=BOB),
                            lambda: store.delete(int(alice_ws), by=BOB),
                            lambda: store.shared_with(int(alice_ws), by=BOB)):
                with pytest.raises(Forbidden, match=f"^{BOB} does not own this workspace") as raised:
                    refused()
                assert not isinstance(raised.value, ReadOnly)
            assert store.version(int(alice_ws), by=ALICE) == version, "a refused call changed the workspace"

            # Alice stops sharing it while Bob has it open
            store.unshare(int(alice_ws), BOB, by=ALICE)
            assert not store.can_open(int(alice_ws), by=BOB)

        go_to(bob, "Overview")  # his next page says so, and shows his own workspace (a demo of his own)
        main.get_by_text(GONE).wait_for(timeout=WAIT)
        wait_for_app_run(bob)
        assert main.get_by_test_id("stException").count() == 0
        main.get_by_test_id("stMetric").first.wait_for(timeout=WAIT)
        bob.screenshot(path=str(SHOTS / "ownership_unshared_meanwhile.png"), full_page=True)

        go_to(bob, "Workspaces")  # Alice's is not listed any more
        main.get_by_role("button", name="Delete…").wait_for(timeout=WAIT)
        wait_for_app_run(bob)
        assert main.get_by_text(GONE).count() == 0  # said once
        new_name = main.get_by_test_id("stTextInput").first.locator("input")
        expect(new_name).to_be_enabled()  # his own: he may rename and delete it
        expect(main.get_by_role("button", name="Delete…")).to_be_enabled()
        assert main.get_by_text(f"Shared with you by {ALICE}").count() == 0
        bob.wait_for_function(f"() => new URL(location.href).searchParams.get('ws') !== '{alice_ws}'", timeout=WAIT)
        with hosted.store() as store:
            assert [w.id for w in store.list_workspaces(BOB)] == [int(linked_workspace(bob))]
        bob.screenshot(path=str(SHOTS / "ownership_back_to_own.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
