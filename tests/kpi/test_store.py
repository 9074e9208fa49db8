"""kpi.store.workspaces: workspaces that remember, on SQLite and on PostgreSQL (each test that takes
`store` or `store_url` runs on both; see conftest_store.py)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, inspect, select, text

from kpi.errors import InputError
from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import TableMapping, build_tables, mapping_to_json, parse_mapping
from kpi.report.build import Settings, build_report
from kpi.report.settings_json import settings_from_json, settings_to_json
from kpi.store import migrations
from kpi.store.model import DEMO_NAME, Change, Conflict, ImportLimits, NotFound
from kpi.store.snapshots import report_differences
from kpi.store.tables import AUDIT, database_url
from kpi.store.workspaces import Store
from tests.kpi.conftest_store import store as store  # noqa: F401
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixtures)

SUBSCRIPTIONS = b"Client,Debut,Prix\nA,2025-01-01,100\nB,2025-01-15,50\nC,2025-02-01,30\n"
MAPPING = mapping_to_json(parse_mapping(json.dumps(
    {"subs.csv": {"table": "subscriptions", "columns": {"customer_id": "Client", "start_date": "Debut",
                                                        "amount": "Prix"}}})))
OTHER_MAPPING = mapping_to_json(parse_mapping(json.dumps(
    {"subs.csv": {"table": "subscriptions", "columns": {"customer_id": "Client", "start_date": "Debut",
                                                        "amount": "Prix"}, "options": {"date_order": "dmy"}}})))


def new_workspace(store, name="Acme", **kw):
    kw.setdefault("files", {"subs.csv": SUBSCRIPTIONS})
    kw.setdefault("mapping_json", MAPPING)
    return store.create_workspace(name, **kw)


# ── Schema and migrations ─────────────────────────────────────────────────────────────────


def test_a_new_database_is_migrated_to_the_latest_version(store):
    assert store.schema_version() == migrations.LATEST == 5


def test_a_database_at_version_1_is_migrated_to_the_latest_keeping_its_workspaces(store_url):
    with Store(store_url, migrate=False) as old:
        assert old.migrate(target=1) == 1
        with old.engine.begin() as conn:
            assert not old.engine.dialect.has_table(conn, "layouts")
        # What a version-1 app wrote (it knew no audit table): one workspace, by hand.
        with old.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (name, owner, created_at, updated_at, version, mapping_revision)"
                              " VALUES ('Old', NULL, '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1, 1)"))
            conn.execute(text("INSERT INTO settings (workspace_id, json, revision, updated_at) "
                              "VALUES (1, '{\"gross_margin\": 0.7}', 1, '2025-01-01 00:00:00')"))
    with Store(store_url) as new:
        assert new.schema_version() == migrations.LATEST
        loaded = new.load(1, by=None)
        assert (loaded.name, loaded.settings_json, loaded.files) == ("Old", '{"gross_margin": 0.7}', {})
        new.remember_layout("abc", {"table": "mrr", "columns": {}})  # version 2's table is there
        assert new.recall_layout("abc") == {"table": "mrr", "columns": {}}


def test_migrating_again_changes_nothing(store_url):
    with Store(store_url) as first:
        workspace_id = new_workspace(first)
    with Store(store_url) as second:
        assert second.migrate() == migrations.LATEST
        assert second.load(workspace_id, by=None).files == {"subs.csv": SUBSCRIPTIONS}
        with second.engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all() == [1, 2, 3, 4, 5]


def test_the_tables_the_store_queries_are_those_the_migrations_create(store):
    from kpi.store.tables import _meta

    found = inspect(store.engine)
    for table in _meta.sorted_tables:
        assert {c["name"] for c in found.get_columns(table.name)} == set(table.columns.keys()), table.name


def test_a_database_newer_than_the_app_is_refused(store_url):
    with Store(store_url) as current, current.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version (version, description, applied_at) "
                          "VALUES (99, 'from the future', '2030-01-01 00:00:00')"))
    with pytest.raises(RuntimeError, match="newer than this app"):
        Store(store_url)


# ── Workspaces ───────────────────────────────────────────────────────────────────────────


def test_a_workspace_holds_its_files_mapping_and_settings(store):
    settings_json = settings_to_json(Settings(gross_margin=0.7, reporting_currency="EUR", rates=(("USD", 0.9),)),
                                     targets={"mrr": 10_000})
    workspace_id = new_workspace(store, settings_json=settings_json, by="alice")
    loaded = store.load(workspace_id, by=None)
    assert loaded.name == "Acme" and loaded.version == 1 and loaded.owner is None
    assert loaded.files == {"subs.csv": SUBSCRIPTIONS}
    assert loaded.mapping_json == MAPPING and loaded.mapping == parse_mapping(MAPPING)
    assert loaded.settings_json == settings_json
    assert settings_from_json(loaded.settings_json) == Settings(gross_margin=0.7, reporting_currency="EUR", rates=(("USD", 0.9),))
    upload = loaded.uploads[0]
    assert (upload.name, upload.size, upload.uploaded_by) == ("subs.csv", len(SUBSCRIPTIONS), "alice")
    assert upload.sha256 == hashlib.sha256(SUBSCRIPTIONS).hexdigest()
    assert upload.uploaded_at.tzinfo is not None


def test_names_are_unique_per_owner(store):
    new_workspace(store)
    with pytest.raises(InputError, match="already exists"):
        new_workspace(store)
    new_workspace(store, owner="bob")  # another owner may use the same name
    with pytest.raises(InputError, match="needs a name"):
        new_workspace(store, name="   ")
    assert [w.name for w in store.list_workspaces()] == ["Acme"]
    assert [(w.name, w.owner, w.files) for w in store.list_workspaces("bob")] == [("Acme", "bob", 1)]


def test_rename_keeps_the_contents_and_refuses_a_taken_name(store):
    first, second = new_workspace(store), new_workspace(store, "Beta")
    assert store.rename(first, "Acme SAS", by=None) == 2
    assert store.load(first, by=None).name == "Acme SAS"
    assert store.load(first, by=None).files == {"subs.csv": SUBSCRIPTIONS}
    with pytest.raises(InputError, match="already exists"):
        store.rename(second, "Acme SAS", by=None)
    assert store.load(second, by=None).name == "Beta"


def test_a_duplicate_is_a_full_independent_copy(store):
    source = new_workspace(store, settings_json='{"gross_margin": 0.5}')
    store.mark_reported(source, "2025-01", {"as_of": "2025-01", "revenue": {"mrr": 150.0}}, by=None)
    copy = store.duplicate(source, by=None)
    again = store.duplicate(source, by=None)
    assert [w.name for w in store.list_workspaces()] == ["Acme", "Acme (copy)", "Acme (copy) (2)"]
    original, copied = store.load(source, by=None), store.load(copy, by=None)
    assert (copied.files, copied.mapping_json, copied.settings_json) == (
        original.files, original.mapping_json, original.settings_json)
    assert [s.report for s in store.snapshots(copy, by=None)] == [{"as_of": "2025-01", "revenue": {"mrr": 150.0}}]
    store.remove_file(copy, "subs.csv", by=None)
    assert store.load(source, by=None).files == {"subs.csv": SUBSCRIPTIONS}
    assert store.load(again, by=None).files == {"subs.csv": SUBSCRIPTIONS}
    assert store.load(store.duplicate(source, "Named", by=None), by=None).name == "Named"


def test_delete_removes_the_workspace_but_not_its_audit_trail(store):
    workspace_id = new_workspace(store, owner="alice@acme.io")
    store.mark_reported(workspace_id, "2025-01", {"as_of": "2025-01"}, by="alice@acme.io")
    store.delete(workspace_id, by="alice@acme.io")
    with pytest.raises(NotFound):
        store.load(workspace_id, by="alice@acme.io")
    with pytest.raises(NotFound):
        store.add_file(workspace_id, "x.csv", b"x", by="alice@acme.io")
    with pytest.raises(NotFound):  # before: [] (a deleted workspace is read by nobody now, its owner included)
        store.snapshots(workspace_id, by="alice@acme.io")
    assert store.list_workspaces("alice@acme.io") == []
    with store.engine.connect() as conn:  # the audit trail stays in the database
        assert conn.execute(select(AUDIT.c.action, AUDIT.c.who).where(AUDIT.c.workspace_id == workspace_id)
                            .order_by(AUDIT.c.id.desc())).first() == ("delete", "alice@acme.io")
    new_workspace(store, owner="alice@acme.io")  # the name is free again


def test_a_new_workspace_never_shows_the_history_of_a_deleted_one_with_the_same_id(store):
    """SQLite gives a new row the id of a deleted last one: Bob's new workspace must not show
    Alice's deleted workspace's activity (its name, her address), nor take her save as a conflict's author."""
    alice = new_workspace(store, "Alice's secret plan", owner="alice@acme.io", by="alice@acme.io")
    store.mark_reported(alice, "2025-01", {"as_of": "2025-01"}, by="alice@acme.io")
    store.rename(alice, "Project X", by="alice@acme.io")
    store.delete(alice, by="alice@acme.io")
    bob = new_workspace(store, "Bob's", owner="bob@acme.io", by="bob@acme.io")
    log = store.audit_log(bob, by="bob@acme.io")
    assert [entry.action for entry in log] == ["create"], log
    assert {entry.who for entry in log} == {"bob@acme.io"}
    assert "alice" not in json.dumps([entry.detail for entry in log]).lower()


def test_the_demo_workspace_is_created_on_first_start_only(store):
    demo_id = store.ensure_demo()
    demo = store.load(demo_id, by=None)
    assert demo.name == DEMO_NAME and "stripe_subscriptions.csv" in demo.files
    assert set(demo.mapping) and all(key.split(":")[0] in demo.files for key in demo.mapping)
    assert store.ensure_demo() is None
    store.rename(demo_id, "Mine now", by=None)
    assert store.ensure_demo() is None  # the user has a workspace: no second demo


# ── Saving ───────────────────────────────────────────────────────────────────────────────


def test_files_are_added_replaced_and_removed_with_their_mapping_entries(store):
    workspace_id = new_workspace(store)
    store.add_file(workspace_id, "book.xlsx", b"xlsx bytes", by=None)
    store.save_mapping(workspace_id, mapping_to_json({
        **parse_mapping(MAPPING), "book.xlsx:Costs": TableMapping("costs", {"month": "M", "amount": "A"})}), by=None)
    store.add_file(workspace_id, "subs.csv", SUBSCRIPTIONS + b"D,2025-03-01,10\n", by=None)
    loaded = store.load(workspace_id, by=None)
    assert loaded.files == {"subs.csv": SUBSCRIPTIONS + b"D,2025-03-01,10\n", "book.xlsx": b"xlsx bytes"}
    store.remove_file(workspace_id, "book.xlsx", by=None)
    loaded = store.load(workspace_id, by=None)
    assert list(loaded.files) == ["subs.csv"] and list(loaded.mapping) == ["subs.csv"]
    store.save_files(workspace_id, {"other.csv": b"a\n1\n"}, by=None)
    assert store.load(workspace_id, by=None).files == {"other.csv": b"a\n1\n"}
    assert store.load(workspace_id, by=None).mapping == {}
    with pytest.raises(InputError, match="not a file name"):
        store.add_file(workspace_id, "../etc/passwd", b"x", by=None)


def test_a_save_that_changes_nothing_is_not_a_write(store):
    workspace_id = new_workspace(store)
    assert store.save(workspace_id, files={"subs.csv": SUBSCRIPTIONS}, mapping_json=MAPPING,
                      settings_json="{}", base_version=0, by=None) == 1
    assert store.version(workspace_id, by=None) == 1


def test_a_save_is_all_or_nothing(store, monkeypatch):
    workspace_id = new_workspace(store)
    before = store.load(workspace_id, by=None)

    def fail(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(Store, "_audit", fail)  # the last statement of every save
    with pytest.raises(OSError):
        store.save(workspace_id, files={"new.csv": b"x" * 1000}, mapping_json="{}", settings_json='{"a": 1}', by=None)
    assert store.load(workspace_id, by=None) == before
    monkeypatch.undo()
    with pytest.raises(InputError, match="mapping"):
        store.save(workspace_id, files={"new.csv": b"x"}, mapping_json='{"new.csv": {"table": "nope"}}', by=None)
    with pytest.raises(InputError, match="settings"):
        store.save_settings(workspace_id, "[1, 2]", by=None)
    assert store.load(workspace_id, by=None) == before


def test_sessions_saving_different_items_from_the_same_version_both_keep_their_data(store):
    workspace_id = new_workspace(store)
    base = store.load(workspace_id, by=None).version  # both sessions opened the workspace here
    store.add_file(workspace_id, "a.csv", b"a", base_version=base, by=None)  # session A
    store.add_file(workspace_id, "b.csv", b"b", base_version=base, by=None)  # session B
    store.save_mapping(workspace_id, OTHER_MAPPING, base_version=base, by=None)  # A
    store.save_settings(workspace_id, '{"gross_margin": 0.6}', base_version=base, by=None)  # B
    loaded = store.load(workspace_id, by=None)
    assert set(loaded.files) == {"subs.csv", "a.csv", "b.csv"}
    assert (loaded.mapping_json, loaded.settings_json) == (OTHER_MAPPING, '{"gross_margin": 0.6}')
    assert loaded.version == base + 4


def test_saving_an_item_changed_since_the_base_version_is_a_conflict_that_writes_nothing(store):
    workspace_id = new_workspace(store, owner="alice@acme.io")
    store.share(workspace_id, "bob@acme.io", by="alice@acme.io")  # Bob can edit
    base = store.load(workspace_id, by="alice@acme.io").version
    store.save_settings(workspace_id, '{"gross_margin": 0.6}', base_version=base, by="alice@acme.io")
    with pytest.raises(Conflict) as raised:
        store.save(workspace_id, files={"subs.csv": SUBSCRIPTIONS, "b.csv": b"b"},
                   settings_json='{"gross_margin": 0.9}', base_version=base, by="bob@acme.io")
    conflict = raised.value
    assert (conflict.item, conflict.base_version, conflict.current_version, conflict.changed_by) == (
        "the settings", base, base + 1, "alice@acme.io")
    assert "changed in another session by alice@acme.io" in str(conflict) and "nothing was saved" in str(conflict)
    assert set(store.load(workspace_id, by="alice@acme.io").files) == {"subs.csv"}  # b.csv was not saved either
    # Told, Bob saves again: last writer wins.
    store.save_settings(workspace_id, '{"gross_margin": 0.9}', base_version=conflict.current_version, by="bob@acme.io")
    assert store.load(workspace_id, by="alice@acme.io").settings_json == '{"gross_margin": 0.9}'
    # Same for a file, the mapping and a reported month.
    base = store.version(workspace_id, by="alice@acme.io")
    store.add_file(workspace_id, "subs.csv", b"new", base_version=base, by="alice@acme.io")
    with pytest.raises(Conflict, match="The file 'subs.csv' was changed"):
        store.remove_file(workspace_id, "subs.csv", base_version=base, by="alice@acme.io")
    store.save_mapping(workspace_id, OTHER_MAPPING, base_version=base, by="alice@acme.io")
    with pytest.raises(Conflict, match="The mapping"):
        store.save_mapping(workspace_id, "{}", base_version=base, by="alice@acme.io")
    store.mark_reported(workspace_id, "2025-01", {"as_of": "2025-01", "x": 1}, base_version=base, by="alice@acme.io")
    with pytest.raises(Conflict, match="report of 2025-01"):
        store.mark_reported(workspace_id, "2025-01", {"as_of": "2025-01", "x": 2}, base_version=base,
                            by="alice@acme.io")
    store.add_file(workspace_id, "subs.csv", b"newest", by="alice@acme.io")  # no base version: last writer wins
    assert store.load(workspace_id, by="alice@acme.io").files["subs.csv"] == b"newest"


# ── Reported months and restatements ─────────────────────────────────────────────────────


def report(months: dict[str, float], as_of: str, nps: float | None = None) -> dict:
    series = [{"month": m, "mrr": v} for m, v in months.items() if m <= as_of]
    return {"as_of": as_of, "currency": "EUR", "revenue": {"mrr": months[as_of], "arr": 12 * months[as_of]},
            "series": series, "nps": None if nps is None else {"score": nps, "n": 10},
            "data_quality": {"subs.csv": {"rows_read": 3, "rows_used": 3, "rejected": []}}}


def test_marking_a_month_reported_freezes_its_report(store):
    workspace_id = new_workspace(store, owner="alice@acme.io")
    store.share(workspace_id, "bob@acme.io", by="alice@acme.io")  # Bob can edit
    store.mark_reported(workspace_id, "2025-02", report({"2025-01": 150, "2025-02": 180}, "2025-02"),
                        by="alice@acme.io")
    store.mark_reported(workspace_id, "2025-01", json.dumps(report({"2025-01": 150}, "2025-01")), by="bob@acme.io")
    reported = store.snapshots(workspace_id, by="alice@acme.io")
    assert [(s.month, s.reported_by) for s in reported] == [("2025-01", "bob@acme.io"), ("2025-02", "alice@acme.io")]
    assert reported[1].report == report({"2025-01": 150, "2025-02": 180}, "2025-02")
    store.unmark_reported(workspace_id, "2025-01", by="alice@acme.io")
    assert [s.month for s in store.snapshots(workspace_id, by="alice@acme.io")] == ["2025-02"]
    with pytest.raises(InputError, match="YYYY-MM"):
        store.mark_reported(workspace_id, "2025-13", {}, by="alice@acme.io")
    with pytest.raises(ValueError, match="as of 2025-02"):
        store.mark_reported(workspace_id, "2025-03", report({"2025-02": 1}, "2025-02"), by="alice@acme.io")


def test_a_later_upload_that_changes_a_reported_month_is_a_restatement(store):
    workspace_id = new_workspace(store)
    store.mark_reported(workspace_id, "2025-01", report({"2025-01": 150}, "2025-01"), by=None)
    store.mark_reported(workspace_id, "2025-02", report({"2025-01": 150, "2025-02": 180}, "2025-02"), by=None)
    now = {"2025-01": report({"2025-01": 150}, "2025-01"),  # unchanged
           "2025-02": report({"2025-01": 160, "2025-02": 180}, "2025-02", nps=42)}
    found = store.restatements(workspace_id, now, by=None)
    assert [r.month for r in found] == ["2025-02"]
    assert found[0].changes == (Change("series[2025-01].mrr", 150, 160, 10), Change("nps.score", None, 42, None),
                                Change("nps.n", None, 10, None))
    assert store.restatements(workspace_id, {"2025-01": None}, by=None)[0].changes[0] == Change(
        "as_of", "2025-01", None, None)


def test_a_real_report_restated_by_a_corrected_upload():
    def report_of(csv: bytes) -> dict:
        tables = build_tables(read_bytes("subs.csv", csv), parse_mapping(MAPPING))
        return build_report(tables, "2025-02").to_json()

    reported = report_of(SUBSCRIPTIONS)
    assert report_differences(reported, report_of(SUBSCRIPTIONS)) == []
    corrected = report_of(SUBSCRIPTIONS.replace(b"C,2025-02-01,30", b"C,2025-02-01,45"))
    changes = {c.key: c for c in report_differences(reported, corrected)}
    assert changes["revenue.mrr"].difference == pytest.approx(15)
    assert changes["series[2025-02].mrr"].reported == reported["revenue"]["mrr"]
    assert "series[2025-01].mrr" not in changes  # January did not change


def test_report_differences_compare_numbers_within_a_relative_tolerance():
    assert report_differences({"revenue": {"mrr": 1e6}}, {"revenue": {"mrr": 1e6 * (1 + 1e-12)}}) == []
    assert report_differences({"revenue": {"rate": 0.0}}, {"revenue": {"rate": 1e-17}}) == []
    assert report_differences({"revenue": {"mrr": 100}}, {"revenue": {"mrr": 100.001}}) == [
        Change("revenue.mrr", 100, 100.001, pytest.approx(0.001))]
    assert report_differences({"cohorts": {"logo": {"2024-01": [1.0, 0.9]}}},
                              {"cohorts": {"logo": {"2024-01": [1.0, 0.8, 0.7]}}}) == [
        Change("cohorts.logo.2024-01[1]", 0.9, 0.8, pytest.approx(-0.1)),
        Change("cohorts.logo.2024-01[2]", None, 0.7, None)]
    assert report_differences({"currency": "EUR", "flag": True}, {"currency": "USD", "flag": 1}) == [
        Change("currency", "EUR", "USD", None), Change("flag", True, 1, None)]
    quality = {"data_quality": {"subs.csv": {"rows_used": 3}}}
    assert report_differences(quality, {"data_quality": {"subs.csv": {"rows_used": 2}}}) == []  # not a KPI


# ── Export and import ────────────────────────────────────────────────────────────────────


def test_a_workspace_exported_as_a_zip_imports_back_identical(store):
    workspace_id = new_workspace(store, settings_json='{"gross_margin": 0.65}', by="alice@acme.io",
                                 owner="alice@acme.io")
    store.add_file(workspace_id, "finance (2025).xlsx", bytes(range(256)) * 100, by="alice@acme.io")
    store.mark_reported(workspace_id, "2025-01", report({"2025-01": 150}, "2025-01"), by="alice@acme.io")
    exported = store.export_zip(workspace_id, by="alice@acme.io")
    names = zipfile.ZipFile(io.BytesIO(exported)).namelist()
    assert set(names) == {"manifest.json", "mapping.json", "settings.json", "files/subs.csv",
                          "files/finance (2025).xlsx", "snapshots/2025-01.json"}
    imported_id = store.import_zip(exported, owner="alice@acme.io")
    original, imported = store.load(workspace_id, by="alice@acme.io"), store.load(imported_id, by="alice@acme.io")
    assert imported.name == "Acme (2)"
    assert (imported.files, imported.mapping_json, imported.settings_json) == (
        original.files, original.mapping_json, original.settings_json)
    assert [replace(u, revision=0) for u in imported.uploads] == [replace(u, revision=0) for u in original.uploads]
    assert [(s.month, s.report, s.reported_at, s.reported_by)
            for s in store.snapshots(imported_id, by="alice@acme.io")] == [
        (s.month, s.report, s.reported_at, s.reported_by) for s in store.snapshots(workspace_id, by="alice@acme.io")]
    restored = store.import_zip(exported, "Restored", owner="bob@acme.io")
    assert store.load(restored, by="bob@acme.io").owner == "bob@acme.io"


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_import_refuses_anything_but_a_well_formed_export(store):
    good = zipfile.ZipFile(io.BytesIO(store.export_zip(new_workspace(store), by=None)))
    entries = {name: good.read(name) for name in good.namelist()}
    manifest = json.loads(entries["manifest.json"])

    def refused(changed: dict[str, bytes | None], match: str, limits: ImportLimits | None = None) -> None:
        archive = {k: v for k, v in {**entries, **changed}.items() if v is not None}
        with pytest.raises(InputError, match=match):
            store.import_zip(zip_of(archive), limits=limits or ImportLimits())

    with pytest.raises(InputError, match="not a readable zip"):
        store.import_zip(b"PK\x03\x04 not really")
    refused({"files/../../etc/cron.d/x": b"x"}, "unsafe entry name")
    refused({"/abs.csv": b"x"}, "unsafe entry name")
    refused({"files/sub/dir.csv": b"x"}, "unexpected entry")
    refused({"files/extra.csv": b"x"}, "not those its manifest lists")
    refused({"files/subs.csv": b"tampered"}, "does not match its hash")
    refused({"manifest.json": None}, "no manifest.json")
    refused({"manifest.json": json.dumps({**manifest, "format_version": 9}).encode()}, "format version 9")
    refused({"manifest.json": b"{not json"}, "manifest.json is not valid JSON")
    refused({"mapping.json": b'{"subs.csv": {"table": "nope"}}'}, "needs a \"table\"")
    refused({"settings.json": b"[]"}, "settings must be a JSON object")
    refused({}, "too large", ImportLimits(max_file_bytes=10))
    refused({}, "entries", ImportLimits(max_members=2))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        for name, content in entries.items():
            archive.writestr(name, content)
        archive.writestr("settings.json", b'{"gross_margin": 0.1}')  # a second entry of the same name
    with pytest.raises(InputError, match="appears twice"):
        store.import_zip(buffer.getvalue())
    assert len(store.list_workspaces()) == 1  # nothing was imported


# ── Remembered layouts, audit, settings, where the database is ───────────────────────────


def sheet(csv: str, name: str = "export.csv"):
    return read_bytes(name, csv.encode("utf-8"))[0]


def test_a_remembered_layout_is_recalled_for_the_same_headers_and_owner(store):
    mapping = TableMapping("subscriptions", {"customer_id": "Client", "start_date": "Début", "amount": "Prix"})
    memory = store.layout_memory()
    memory.remember(sheet("Client,Début,Prix\nA,2024-01-01,10\n", "octobre.csv"), mapping)
    assert memory.recall(sheet("Prix,Client,Début\n12,B,2024-02-01\n", "novembre.csv")) == mapping
    assert memory.recall(sheet("Other,Headers\n")) is None
    assert store.layout_memory("bob").recall(sheet("Client,Début,Prix\n")) is None
    changed = replace(mapping, options={"date_order": "dmy"})
    memory.remember(sheet("Client,Début,Prix\n"), changed)
    assert memory.recall(sheet("Client,Début,Prix\n")) == changed


def test_layouts_remembered_in_the_old_json_file_move_into_the_store(store, tmp_path):
    from kpi.ingest.layouts import LayoutMemory

    mapping = TableMapping("subscriptions", {"customer_id": "Client", "start_date": "Début", "amount": "Prix"})
    LayoutMemory(tmp_path / "layouts.json").remember(sheet("Client,Début,Prix\n"), mapping)
    assert store.import_layouts_file(tmp_path / "layouts.json") == 1
    assert store.layout_memory().recall(sheet("Client,Début,Prix\n")) == mapping
    assert store.import_layouts_file(tmp_path / "missing.json") == 0


def test_every_write_is_in_the_audit_trail(store):
    workspace_id = new_workspace(store, by="alice@acme.io", owner="alice@acme.io")
    store.share(workspace_id, "bob@acme.io", by="alice@acme.io")
    store.share(workspace_id, "carol@acme.io", "view", by="alice@acme.io")
    store.save_settings(workspace_id, '{"a": 1}', by="bob@acme.io")
    store.export_zip(workspace_id, by="carol@acme.io")
    store.audit("sign-in", by="dave@acme.io", detail={"ip": "127.0.0.1"})
    entries = [e for e in store.audit_log(workspace_id, by="carol@acme.io") if e.action not in ("share",)]
    assert [e.action for e in store.audit_log(workspace_id, by="alice@acme.io")].count("share") == 2
    assert [(e.action, e.who) for e in entries] == [("export", "carol@acme.io"), ("save", "bob@acme.io"),
                                                   ("create", "alice@acme.io")]
    assert entries[1].detail["settings"] is True and entries[1].revision == 2


def test_settings_survive_a_json_round_trip_and_unknown_keys():
    settings = Settings(gross_margin=0.6, value_event="report_created", reporting_currency="EUR",
                        rates=(("USD", 0.92), ("GBP", 1.17)), survey_window="month")
    text = settings_to_json(settings, health_weights={"nps": 0.3}, targets={"mrr": 1e5})
    assert settings_from_json(text) == settings
    assert json.loads(text)["targets"] == {"mrr": 1e5}
    assert settings_from_json('{"gross_margin": 0.5, "from_the_future": 1}') == Settings(gross_margin=0.5)
    assert settings_from_json("") == Settings()


def test_the_database_is_the_environments_else_the_secrets_else_a_file_in_the_workbench_home(monkeypatch,
                                                                                           workbench_home):
    monkeypatch.delenv("KPI_DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{workbench_home / 'workbench.db'}"
    assert database_url({"KPI_DATABASE_URL": "postgres://u:p@db/kpi"}) == "postgresql+psycopg://u:p@db/kpi"
    monkeypatch.setenv("KPI_DATABASE_URL", "postgresql://u:p@env/kpi")
    assert database_url({"KPI_DATABASE_URL": "postgres://u:p@db/kpi"}) == "postgresql+psycopg://u:p@env/kpi"
    monkeypatch.delenv("KPI_DATABASE_URL")
    with Store.from_environment() as default:
        assert default.backend == "sqlite" and default.schema_version() == migrations.LATEST
    assert (workbench_home / "workbench.db").exists()


def test_sqlite_runs_in_wal_mode_with_full_synchronous_writes(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'w.db'}") as opened, opened.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()


# ── Owners and named guests ────────────────────────────────────────────────────────────────


def test_a_workspace_is_only_seen_by_its_owner_and_the_users_it_is_shared_with(store):
    alice = new_workspace(store, "Alice's", owner="alice@acme.io")
    new_workspace(store, "Bob's", owner="bob@acme.io")
    assert [w.name for w in store.list_workspaces("alice@acme.io")] == ["Alice's"]
    assert store.can_open(alice, by="alice@acme.io") and not store.can_open(alice, by="bob@acme.io")
    with pytest.raises(NotFound):
        store.load(alice, by="bob@acme.io")  # same answer as for an id that does not exist
    store.share(alice, "Bob@Acme.io", by="alice@acme.io")
    assert store.shared_with(alice, by="alice@acme.io") == [("bob@acme.io", "edit")]  # role "edit" unless told
    assert [w.name for w in store.list_workspaces("bob@acme.io")] == ["Alice's", "Bob's"]
    assert store.load(alice, by="bob@acme.io").name == "Alice's"
    store.unshare(alice, "bob@acme.io", by="alice@acme.io")
    assert not store.can_open(alice, by="bob@acme.io")
    assert [e.action for e in store.audit_log(alice, by="alice@acme.io")][:2] == ["unshare", "share"]


def test_deleting_a_shared_workspace_removes_its_shares(store):
    alice = new_workspace(store, "Alice's", owner="alice@acme.io")
    store.share(alice, "bob@acme.io", by="alice@acme.io")
    store.delete(alice, by="alice@acme.io")
    assert store.list_workspaces("bob@acme.io") == []
