"""A save the disk refuses: the page says "not saved: the disk is full" in one sentence (no
traceback), nothing was written, and the next save works. The errors' translation itself is
checked on the drivers' own exceptions; tests/kpi/test_store_kill_points.py injects them for real."""

from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from kpi.store import failures
from kpi.store.failures import StoreError, disk_failure
from kpi.store.tables import database_url
from kpi.store.workspaces import Store

ROOT = Path(__file__).resolve().parents[2]


def sqlite_error(code: int, message: str):
    import sqlite3

    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


def test_sqlite_full_and_io_errors_become_the_plain_sentences(tmp_path):
    database = str(tmp_path / "workbench.db")
    full = disk_failure(sqlite_error(13, "database or disk is full"), database)
    assert full.code == "disk-full" and full.message.startswith("not saved: the disk is full")
    for extended in (10, 778, 1034):  # SQLITE_IOERR, _WRITE, _FSYNC
        failing = disk_failure(sqlite_error(extended, "disk I/O error"), database)
        assert failing.code == "disk-error" and failing.message.startswith("not saved: the disk could not be written")
    assert disk_failure(sqlite_error(5, "database is locked"), database) is None  # not the disk: stays a bug


def test_an_io_error_on_a_nearly_full_disk_says_the_disk_is_full(tmp_path, monkeypatch):
    monkeypatch.setattr(failures, "_nearly_full", lambda database: True)
    assert disk_failure(sqlite_error(1034, "disk I/O error"), str(tmp_path / "w.db")).code == "disk-full"


def test_postgresql_disk_full_and_io_error_become_the_plain_sentences():
    assert disk_failure(psycopg.errors.DiskFull("could not extend file: No space left on device")).code == "disk-full"
    assert disk_failure(psycopg.errors.IoError("could not write block")).code == "disk-error"
    assert disk_failure(psycopg.errors.UniqueViolation("duplicate key")) is None


def test_a_store_write_that_hits_a_full_disk_raises_store_error_and_writes_nothing(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'workbench.db'}")
    with Store(url) as store:
        workspace_id = store.create_workspace("Acme", settings_json='{"a": 1}')
        with pytest.raises(StoreError) as raised, failures.translated(url):
            with store.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
                raise failures.DBAPIError("INSERT …", {}, sqlite_error(13, "database or disk is full"))
        assert raised.value.code == "disk-full"
        assert store.load(workspace_id, by=None).settings_json == '{"a": 1}'


def test_the_workspaces_page_says_not_saved_the_disk_is_full_and_the_next_save_works(monkeypatch):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("app_pages/workspaces.py").run()
    assert not app.exception, app.exception
    mark = next(b for b in app.button if b.label.startswith("Mark ") and b.label.endswith(" as reported"))

    def full(*args, **kwargs):
        raise StoreError(failures.DISK_FULL, code="disk-full")

    monkeypatch.setattr(Store, "mark_reported", full)
    mark.click().run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [failures.DISK_FULL]
    with Store(database_url()) as store:
        ws = store.list_workspaces(None)[0]
        assert store.snapshots(ws.id, by=None) == []  # nothing written

    monkeypatch.undo()  # the disk has room again: the same click saves
    next(b for b in app.button if b.label == mark.label).click().run()
    assert not app.exception and not app.error
    with Store(database_url()) as store:
        assert len(store.snapshots(ws.id, by=None)) == 1
