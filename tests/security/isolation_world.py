"""The world the isolation matrix runs in (tests/security/test_isolation_matrix.py): one database
per module, who is in it, a spy on every `Store` method and on every file a download hands out,
and what a page renders as named controls.

Alice owns "Alice's numbers" (the demo company, renamed, its costs sheet not mapped: so the gross
margin is the setting Unit economics lets an editor change on the page, where the demo's COGS would
measure it and disable that input for everyone) and a small second workspace; she shares
the first with Bob (can view) and Carol (can edit). Dan is signed in and allowed, but is neither
its owner nor a guest. Bob, Carol and Dan each own a small workspace of their own.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.exc import SAWarning
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from kpi.store.model import SYSTEM
from kpi.store.workspaces import Store
from tests.security.conftest import walk

ALICE, BOB, CAROL, DAN = "alice@acme.io", "bob@acme.io", "carol@acme.io", "dan@acme.io"
ALICES, ALICES_OTHER = "Alice's numbers", "Alice's other numbers"
TINY = b"customer_id,name,signup_date\nC1,Acme,2026-01-05\n"
WRITES = frozenset({"save", "save_files", "add_file", "remove_file", "update_files", "save_mapping", "save_settings",
                    "mark_reported", "unmark_reported", "set_subscribers", "record_sent", "rename", "delete", "share",
                    "unshare", "duplicate", "create_workspace", "import_zip", "ensure_demo", "audit"})


@dataclass(frozen=True)
class Call:
    """One call of a `Store` method: who acted (`by=`), on which workspace, and what it gave
    ("returned" or the exception's class name)."""

    method: str
    by: Any
    workspace_id: int | None
    outcome: str
    result: Any = None


CALLS: list[Call] = []  # every Store call since the last `CALLS.clear()`
DEFERRED: dict[str, Any] = {}  # a deferred download's file id → the callable the server would run on click
STATIC: dict[str, bytes] = {}  # a download's media file id → its bytes


def _spied(name: str, method):
    @functools.wraps(method)
    def spy(self, *args, **kwargs):
        workspace_id = kwargs.get("workspace_id", args[0] if args and isinstance(args[0], int) else None)
        try:
            result = method(self, *args, **kwargs)
        except Exception as error:
            CALLS.append(Call(name, kwargs.get("by"), workspace_id, type(error).__name__))
            raise
        CALLS.append(Call(name, kwargs.get("by"), workspace_id, "returned", result))
        return result
    return spy


@contextlib.contextmanager
def spies() -> Iterator[None]:
    """Every public `Store` method records its calls in CALLS; every download's content is kept."""
    add_deferred, load = MediaFileManager.add_deferred, MemoryMediaFileStorage.load_and_get_id

    def keep_deferred(self, data_callable, *args, **kwargs):
        file_id = add_deferred(self, data_callable, *args, **kwargs)
        DEFERRED[file_id] = data_callable
        return file_id

    def keep_static(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        STATIC[file_id] = path_or_data if isinstance(path_or_data, bytes) else bytes(path_or_data)
        return file_id

    with pytest.MonkeyPatch.context() as patch:
        for name, method in inspect.getmembers(Store, inspect.isfunction):
            if not name.startswith("_"):
                patch.setattr(Store, name, _spied(name, method))
        patch.setattr(MediaFileManager, "add_deferred", keep_deferred)
        patch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep_static)
        yield


_BYTECODE: dict[tuple[str, int], Any] = {}


def _shared_bytecode(compile_once):
    @functools.wraps(compile_once)
    def get_bytecode(self, script_path: str) -> Any:
        path = os.path.abspath(script_path)
        with open(path, "rb") as script:
            key = (path, hash(script.read()))
        if key not in _BYTECODE:
            _BYTECODE[key] = compile_once(self, script_path)
        return _BYTECODE[key]
    return get_bytecode


@contextlib.contextmanager
def shared_bytecode() -> Iterator[None]:
    """Every AppTest run compiles app.py and its page once per process, as a server does (its
    ScriptCache lives as long as it runs), instead of once per run: AppTest makes a new ScriptCache
    for each run, and Streamlit's magic rewrites the script's syntax tree every time (about a tenth
    of the matrix's CPU). Keyed by the script's path and content: an edited script is compiled again."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScriptCache, "get_bytecode", _shared_bytecode(ScriptCache.get_bytecode))
        yield


@contextlib.contextmanager
def hostile_client() -> Iterator[None]:
    """Interactions with disabled widgets go through, as a crafted websocket message would: the
    server draws a widget disabled, but nothing stops a client from sending its value."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Widget, "_assert_can_interact", lambda self: None)
        yield


def downloaded(widget) -> bytes:
    """What the browser gets from a download button: its static file, or its deferred callable's
    result (run outside the script, as the server runs it on click)."""
    proto = widget.proto
    if proto.deferred_file_id:
        data = DEFERRED[proto.deferred_file_id]()
    else:
        data = STATIC[proto.url.rsplit("/", 1)[-1].split(".", 1)[0]]
    return data.encode() if isinstance(data, str) else bytes(data)


# ── the database ─────────────────────────────────────────────────────────────────────────────


@dataclass
class World:
    """The module's database and the ids in it; `restore` puts it back as seeded."""

    url: str
    store: Store
    alice: int = 0
    alice_other: int = 0
    pristine: Any = None
    own: dict[str, int] = field(default_factory=dict)  # Bob's, Carol's and Dan's own workspace
    clean: int | None = None  # Alice's version as seeded or restored: every change of her content bumps it

    def seed(self) -> World:
        self.alice = self.store.ensure_demo(owner=ALICE)
        self.store.rename(self.alice, ALICES, by=ALICE)
        mapping = json.loads(self.store.load(self.alice, by=ALICE).mapping_json)
        self.store.save_mapping(self.alice, json.dumps({sheet: columns for sheet, columns in mapping.items()
                                                        if columns.get("table") != "costs"}), by=ALICE)
        self.alice_other = self.store.create_workspace(ALICES_OTHER, owner=ALICE, files={"customers.csv": TINY},
                                                       by=ALICE)
        self.pristine = self.store.load(self.alice, by=ALICE)
        for guest, rights in ((BOB, "view"), (CAROL, "edit")):
            self.store.share(self.alice, guest, rights, by=ALICE)
        for user in (BOB, CAROL, DAN):
            self.own[user] = self.store.create_workspace(f"{user.split('@')[0].title()}'s numbers", owner=user,
                                                         files={"customers.csv": TINY}, by=user)
        self.clean = self.store.version(self.alice, by=ALICE)
        return self

    def restore(self) -> None:
        """Alice's workspace as seeded (recreated if deleted: a new id), her guests, and nothing
        else in anyone's list but the seeded workspaces."""
        store, first = self.store, self.pristine
        if not store.can_open(self.alice, by=ALICE):
            self.alice = store.create_workspace(ALICES, owner=ALICE, files=first.files, mapping_json=first.mapping_json,
                                                settings_json=first.settings_json, by=ALICE)
        elif store.version(self.alice, by=ALICE) != self.clean:  # files, mapping, settings, name or months
            store.save(self.alice, files=first.files, mapping_json=first.mapping_json,
                       settings_json=first.settings_json, by=ALICE)
            if next(w.name for w in store.list_workspaces(ALICE) if w.id == self.alice) != ALICES:
                store.rename(self.alice, ALICES, by=ALICE)
            for month in [s.month for s in store.snapshots(self.alice, by=ALICE)]:
                store.unmark_reported(self.alice, month, by=ALICE)
        store.set_subscribers(self.alice, [], by=ALICE)
        guests = {share.email: share.role for share in store.shared_with(self.alice, by=ALICE)}
        for email in set(guests) - {BOB, CAROL}:
            store.unshare(self.alice, email, by=ALICE)
        for guest, rights in ((BOB, "view"), (CAROL, "edit")):
            if guests.get(guest) != rights:
                store.share(self.alice, guest, rights, by=ALICE)
        kept = {self.alice, self.alice_other, *self.own.values()}
        for user in (ALICE, BOB, CAROL, DAN):
            for listed in store.list_workspaces(user):
                if listed.owner == user and listed.id not in kept:
                    store.delete(listed.id, by=user)
        for user, workspace_id in self.own.items():
            if not store.can_open(workspace_id, by=user):
                self.own[user] = store.create_workspace(f"{user.split('@')[0].title()}'s numbers", owner=user,
                                                        files={"customers.csv": TINY}, by=user)
        self.clean = store.version(self.alice, by=ALICE)

    @functools.cached_property
    def _tables(self):
        tables = MetaData()
        with self.store.engine.connect() as conn, warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            tables.reflect(conn)
        return tables.sorted_tables

    def dump(self, workspace_id: int | None = None) -> dict[str, list]:
        """Every row of every table (bytes by their hash), or only the rows of one workspace:
        what "nothing changed" compares."""
        rows = {}
        with self.store.engine.connect() as conn:
            for table in self._tables:
                query = select(table)
                if workspace_id is not None:
                    column = table.c.get("workspace_id") if "workspace_id" in table.c else (
                        table.c.id if table.name == "workspaces" else None)
                    if column is None:
                        continue
                    query = query.where(column == workspace_id)
                rows[table.name] = sorted(tuple(fingerprint(v) for v in row) for row in conn.execute(query))
        return rows


def fingerprint(value: Any) -> str:
    """A value as `dump` compares it: small ones as themselves (their repr), a file or a long text
    by its length and hash (the process's own hash, enough to tell before from after in one run,
    and many times cheaper than SHA-256 or a repr of megabytes)."""
    if isinstance(value, (bytes, str)) and len(value) > 256:
        return f"{type(value).__name__}:{len(value)}:{hash(value)}"
    return repr(value)


def open_world(url: str) -> World:
    return World(url, Store(url)).seed()


def as_system(store: Store, workspace_id: int):
    return store.load(workspace_id, by=SYSTEM)


# ── what a page renders ──────────────────────────────────────────────────────────────────────


def controls(block) -> dict[str, Any]:
    """The controls a part of the page (app.main or app.sidebar) draws that can change or export
    something: buttons, form submit buttons, download buttons, file uploaders, and any other input
    that acts as soon as it changes (an on_change callback: it saves without a button), each named
    `kind:key` (its key when it has one of its own, else its label; `change:` for such an input)."""
    found = {}
    metadata = block.root._runner._session_state._state._new_widget_state.widget_metadata
    for node in walk(block):
        widget_id = getattr(node, "id", None)
        kind = getattr(node, "type", None)
        if widget_id and kind not in ("button", "download_button", "file_uploader") and getattr(
                metadata.get(widget_id), "callback", None) is not None:
            found[f"change:{node.key or node.label}"] = node
    for button in block.get("button"):
        if not (button.key or "").startswith("FormSubmitter:"):
            found[f"button:{button.key or button.label}"] = button
    for submit in block.get("form_submit_button"):
        found[f"submit:{submit.label}"] = submit
    for download in block.get("download_button"):
        found[f"download:{download.key or download.label}"] = download
    for uploader in block.get("file_uploader"):
        found[f"upload:{uploader.key or uploader.proto.label}"] = uploader
    return found


def matching(found: dict[str, Any], patterns: tuple[str, ...]) -> dict[str, Any]:
    return {name: widget for name, widget in found.items() if any(fnmatchcase(name, p) for p in patterns)}


def page_blocks(app: AppTest) -> list:
    """The page's own blocks: main and, while a dialog is open, the block that holds it (Streamlit
    draws a dialog in its "event" block, beside main, not in it)."""
    return [app.main, *[block for block in app._tree.children.values() if getattr(block, "type", None) == "event"]]


def find(app: AppTest, pattern: str):
    """The first control named like `pattern` (in the page, its open dialog or the sidebar), or None."""
    for block in (*page_blocks(app), app.sidebar):
        hit = matching(controls(block), (pattern,))
        if hit:
            return next(iter(hit.values()))
    return None


def by_key(app: AppTest, kind: str, pattern: str):
    return next((w for w in app.get(kind) if w.key and fnmatchcase(w.key, pattern)), None)
