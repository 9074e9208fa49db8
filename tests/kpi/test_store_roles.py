"""kpi.store.sharing: "can view" and "can edit" guests, enforced by the store itself, on SQLite and
PostgreSQL (each test that takes `store` or `store_url` runs on both; see conftest_store.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from kpi.errors import InputError
from kpi.store import migrations
from kpi.store.model import Forbidden, NotFound, ReadOnly
from kpi.store.workspaces import Store
from tests.kpi.conftest_store import store as store  # noqa: F401
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixtures)
from tests.kpi.test_store import MAPPING, OTHER_MAPPING, SUBSCRIPTIONS, new_workspace

ALICE, BOB, CAROL, DAN = "alice@acme.io", "bob@acme.io", "carol@acme.io", "dan@elsewhere.example"
REPORT = {"as_of": "2025-02", "revenue": {"mrr": 180.0}}


@pytest.fixture
def shared(store):
    """Alice's workspace, with a reported month; Bob can view it, Carol can edit it."""
    workspace_id = new_workspace(store, "Alice's", owner=ALICE, by=ALICE)
    store.mark_reported(workspace_id, "2025-01", {"as_of": "2025-01", "revenue": {"mrr": 150.0}}, by=ALICE)
    store.share(workspace_id, BOB, "view", by=ALICE)
    store.share(workspace_id, CAROL, "edit", by=ALICE)
    return workspace_id


def every_write(store: Store, workspace_id: int, who: str) -> dict:
    """Each write method that takes the acting user, called by `who`."""
    return {
        "save": lambda: store.save(workspace_id, files={"subs.csv": SUBSCRIPTIONS + b"D,2025-03-01,10\n"}, by=who),
        "save_files": lambda: store.save_files(workspace_id, {"other.csv": b"a,b\n1,2\n"}, by=who),
        "add_file": lambda: store.add_file(workspace_id, "other.csv", b"a,b\n1,2\n", by=who),
        "remove_file": lambda: store.remove_file(workspace_id, "subs.csv", by=who),
        "update_files": lambda: store.update_files(workspace_id, {"next.csv": SUBSCRIPTIONS}, mapping_json=MAPPING,
                                                   by=who),
        "save_mapping": lambda: store.save_mapping(workspace_id, OTHER_MAPPING, by=who),
        "save_settings": lambda: store.save_settings(workspace_id, json.dumps({"gross_margin": 0.5}), by=who),
        "rename": lambda: store.rename(workspace_id, "Renamed", by=who),
        "mark_reported": lambda: store.mark_reported(workspace_id, "2025-02", REPORT, by=who),
        "unmark_reported": lambda: store.unmark_reported(workspace_id, "2025-01", by=who),
        "duplicate for the owner": lambda: store.duplicate(workspace_id, by=who),
        "delete": lambda: store.delete(workspace_id, by=who),
    }


def test_the_role_of_each_user_is_answered_in_one_place(store, shared):
    assert [store.role(shared, by=user) for user in (ALICE, "Alice@ACME.io", BOB, CAROL)] == \
        ["owner", "owner", "viewer", "editor"]
    assert store.role(new_workspace(store, "Local"), by=None) == "owner"  # no sign-in: the laptop's own
    # Anyone else is told what a missing id gets (before: the role "none", which told them it exists).
    for stranger, workspace_id in ((DAN, shared), (None, shared), (ALICE, shared + 100)):
        with pytest.raises(NotFound, match=f"^workspace {workspace_id} does not exist"):
            store.role(workspace_id, by=stranger)


@pytest.mark.parametrize("write", list(every_write(None, 0, "")))
def test_a_viewer_cannot_change_anything_and_nothing_is_written(store, shared, write):
    before = store.load(shared, by=ALICE), store.snapshots(shared, by=ALICE), len(store.audit_log(shared, by=ALICE))
    with pytest.raises(ReadOnly, match=f"^{BOB} can view this workspace but not change it$") as refused:
        every_write(store, shared, BOB)[write]()
    assert (refused.value.workspace_id, refused.value.user) == (shared, BOB)
    assert (store.load(shared, by=ALICE), store.snapshots(shared, by=ALICE),
            len(store.audit_log(shared, by=ALICE))) == before
    assert [w.name for w in store.list_workspaces(ALICE)] == ["Alice's"]


def test_a_viewer_still_reads_exports_and_makes_a_copy_of_his_own(store, shared):
    assert store.load(shared, by=BOB).files == {"subs.csv": SUBSCRIPTIONS}
    assert [s.month for s in store.snapshots(shared, by=BOB)] == ["2025-01"]
    assert store.export_zip(shared, by=BOB)[:2] == b"PK"
    copy = store.duplicate(shared, by=BOB, owner=BOB)
    assert store.role(copy, by=BOB) == "owner"
    store.save_settings(copy, json.dumps({"gross_margin": 0.5}), by=BOB)  # his copy is his to change
    assert store.load(shared, by=ALICE).settings_json == "{}"


def test_an_editor_writes_like_the_owner_but_cannot_rename_delete_or_share(store, shared):
    writes = every_write(store, shared, CAROL)
    for name in ("add_file", "save_mapping", "save_settings", "mark_reported", "unmark_reported"):
        writes[name]()
    loaded = store.load(shared, by=ALICE)
    assert (loaded.name, set(loaded.files), json.loads(loaded.settings_json)) == \
        ("Alice's", {"subs.csv", "other.csv"}, {"gross_margin": 0.5})
    assert [s.month for s in store.snapshots(shared, by=ALICE)] == ["2025-02"]
    # Renaming and deleting are the owner's, as on the Workspaces page (the store used to let an editor).
    for attempt in (writes["rename"], writes["delete"], lambda: store.shared_with(shared, by=CAROL),
                    lambda: store.share(shared, DAN, "view", by=CAROL),
                    lambda: store.share(shared, BOB, "edit", by=CAROL),
                    lambda: store.share(shared, CAROL, "edit", by=CAROL),
                    lambda: store.unshare(shared, BOB, by=CAROL)):
        with pytest.raises(Forbidden, match=f"^{CAROL} does not own this workspace") as refused:
            attempt()
        assert not isinstance(refused.value, ReadOnly)
    assert store.shared_with(shared, by=ALICE) == [(BOB, "view"), (CAROL, "edit")]
    assert store.role(shared, by=CAROL) == "editor" and store.load(shared, by=ALICE).owner == ALICE
    assert store.load(shared, by=ALICE).name == "Alice's"


def test_a_viewer_cannot_share_nor_promote_himself(store, shared):
    for attempt in (lambda: store.share(shared, BOB, "edit", by=BOB), lambda: store.share(shared, DAN, by=BOB),
                    lambda: store.unshare(shared, CAROL, by=BOB)):
        with pytest.raises(ReadOnly):
            attempt()
    assert store.shared_with(shared, by=ALICE) == [(BOB, "view"), (CAROL, "edit")]


def test_only_the_owner_shares_and_changes_roles(store, shared):
    store.share(shared, "Bob@Acme.io ", "edit", by=ALICE)  # a change of role, not a second share
    assert store.shared_with(shared, by=ALICE) == [(BOB, "edit"), (CAROL, "edit")]
    assert store.role(shared, by=BOB) == "editor"
    store.save_settings(shared, json.dumps({"gross_margin": 0.6}), by=BOB)  # now he can
    store.share(shared, BOB, "view", by=ALICE)
    with pytest.raises(ReadOnly):
        store.save_settings(shared, json.dumps({"gross_margin": 0.4}), by=BOB)
    store.share(shared, BOB, "view", by=ALICE)  # the same share again writes nothing
    shares = [e.detail for e in store.audit_log(shared, by=ALICE) if e.action == "share"]
    assert shares[:2] == [{"with": BOB, "role": "view", "was": "edit"}, {"with": BOB, "role": "edit", "was": "view"}]
    store.unshare(shared, BOB, by=ALICE)
    assert not store.can_open(shared, by=BOB)
    with pytest.raises(NotFound):
        store.role(shared, by=BOB)


def test_a_share_names_a_known_role_and_never_the_owner(store, shared):
    with pytest.raises(InputError, match="not a sharing role"):
        store.share(shared, DAN, "owner", by=ALICE)
    with pytest.raises(InputError, match="owns this workspace"):
        store.share(shared, "ALICE@acme.io", "view", by=ALICE)
    with pytest.raises(InputError, match="not an e-mail address"):
        store.share(shared, "dan", "view", by=ALICE)
    assert store.shared_with(shared, by=ALICE) == [(BOB, "view"), (CAROL, "edit")]


def test_someone_neither_owner_nor_guest_cannot_share_and_is_told_it_does_not_exist(store, shared):
    with pytest.raises(NotFound, match=f"^workspace {shared} does not exist"):  # before: Forbidden
        store.share(shared, DAN, "edit", by=DAN)
    assert store.shared_with(shared, by=ALICE) == [(BOB, "view"), (CAROL, "edit")]
    assert not store.can_open(shared, by=DAN)


def test_the_migration_keeps_shares_made_before_roles_as_editors(store_url):
    with Store(store_url, migrate=False) as old:
        assert old.migrate(target=3) == 3
        with old.engine.begin() as conn:  # what a version-3 app wrote: a share without a role
            conn.execute(text("INSERT INTO workspaces (name, owner, created_at, updated_at, version, mapping_revision)"
                              " VALUES ('Old', 'alice@acme.io', '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1, 1)"))
            conn.execute(text("INSERT INTO shares (workspace_id, email, shared_at, shared_by) "
                              "VALUES (1, 'bob@acme.io', '2025-01-01 00:00:00', 'alice@acme.io')"))
    with Store(store_url) as new:
        assert new.schema_version() == migrations.LATEST == 5
        assert new.shared_with(1, by=ALICE) == [(BOB, "edit")]
        assert new.role(1, by=BOB) == "editor"
        new.save_settings(1, json.dumps({"gross_margin": 0.5}), by=BOB)  # he keeps his rights
        new.share(1, BOB, "view", by=ALICE)
        with pytest.raises(ReadOnly):
            new.save_settings(1, "{}", by=BOB)
