"""Store.update_files: next month's files, replacing and adding, with the mapping, in one write
(on SQLite and PostgreSQL, like tests/kpi/test_store.py)."""

from __future__ import annotations

import json

import pytest

from kpi.ingest.mapping import mapping_to_json, parse_mapping
from kpi.store.model import Conflict
from kpi.store.workspaces import Store
from tests.kpi.conftest_store import store as store  # noqa: F401
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixtures)
from tests.kpi.test_store import MAPPING, SUBSCRIPTIONS, new_workspace

OCTOBER = b"Client;Montant\nA;10\n"
NOVEMBER = b"Client;Montant\nA;10\nB;20\n"


def mapping(*keys: str) -> str:
    return mapping_to_json(parse_mapping(json.dumps({key: {"table": "subscriptions", "columns": {
        "customer_id": "Client", "amount": "Montant"}} for key in keys})))


def test_an_update_replaces_renames_and_adds_files_with_the_mapping_and_keeps_the_rest(store):
    workspace_id = new_workspace(store, files={"subs.csv": SUBSCRIPTIONS, "oct.csv": OCTOBER},
                                 mapping_json=mapping("oct.csv"), settings_json='{"gross_margin": 0.7}',
                                 owner="alice@acme.io")
    store.mark_reported(workspace_id, "2025-01", {"as_of": "2025-01", "revenue": {"mrr": 150}}, by="alice@acme.io")
    base = store.version(workspace_id, by="alice@acme.io")
    version = store.update_files(workspace_id, {"nov.csv": NOVEMBER, "new.csv": b"x\n1\n"},
                                 remove={"oct.csv": "nov.csv"}, mapping_json=mapping("nov.csv"),
                                 base_version=base, by="alice@acme.io")
    loaded = store.load(workspace_id, by="alice@acme.io")
    assert version == base + 1 == loaded.version
    assert loaded.files == {"subs.csv": SUBSCRIPTIONS, "nov.csv": NOVEMBER, "new.csv": b"x\n1\n"}
    assert list(loaded.mapping) == ["nov.csv"]
    assert loaded.settings_json == '{"gross_margin": 0.7}'
    assert [s.month for s in store.snapshots(workspace_id, by="alice@acme.io")] == ["2025-01"]
    entry = store.audit_log(workspace_id, limit=1, by="alice@acme.io")[0]
    assert (entry.action, entry.who, entry.revision) == ("update", "alice@acme.io", version)
    assert entry.detail == {"renamed": {"oct.csv": "nov.csv"}, "files_added": ["new.csv", "nov.csv"],
                            "files_replaced": [], "files_removed": ["oct.csv"], "mapping": True,
                            "settings": False}


def test_an_update_with_the_same_bytes_and_mapping_is_not_a_write(store):
    workspace_id = new_workspace(store)
    base = store.version(workspace_id, by=None)
    assert store.update_files(workspace_id, {"subs.csv": SUBSCRIPTIONS}, mapping_json=MAPPING,
                              base_version=base, by=None) == base
    assert store.audit_log(workspace_id, limit=1, by=None)[0].action == "create"


def test_an_update_over_a_file_saved_meanwhile_is_a_conflict_that_writes_nothing(store):
    workspace_id = new_workspace(store, owner="alice@acme.io")
    store.share(workspace_id, "bob@acme.io", by="alice@acme.io")  # Bob can edit
    base = store.version(workspace_id, by="alice@acme.io")
    store.add_file(workspace_id, "subs.csv", SUBSCRIPTIONS + b"D,2025-03-01,10\n", by="bob@acme.io")  # another session
    before = store.load(workspace_id, by="alice@acme.io")
    with pytest.raises(Conflict, match="The file 'subs.csv' was changed in another session by bob@acme.io"):
        store.update_files(workspace_id, {"subs.csv": SUBSCRIPTIONS + b"E,2025-04-01,5\n", "new.csv": b"x\n1\n"},
                           mapping_json=MAPPING, base_version=base, by="alice@acme.io")
    assert store.load(workspace_id, by="alice@acme.io") == before


def test_an_update_is_all_or_nothing(store, monkeypatch):
    workspace_id = new_workspace(store)
    before = store.load(workspace_id, by=None)

    def fail(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(Store, "_audit", fail)  # the last statement of the write
    with pytest.raises(OSError):
        store.update_files(workspace_id, {"nov.csv": NOVEMBER}, remove={"subs.csv": "nov.csv"},
                           mapping_json=mapping("nov.csv"), by=None)
    assert store.load(workspace_id, by=None) == before
