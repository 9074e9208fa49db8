"""Ownership in the store itself: every `Store` method that touches a workspace names who acts
(`by=`, required) and checks it in one place (`kpi.store.sharing.require`), on SQLite and
PostgreSQL (each test that takes `store` runs on both; see conftest_store.py).

`CASES` is the table of every public method that takes a workspace id, with the arguments to
call it and the right it needs ("view", "edit", "own"). It is written here, by hand, as the
contract; the tests check the store against it:

- a public method of `Store` that takes `workspace_id` and is missing from `CASES` fails
  `test_every_method_that_takes_a_workspace_is_in_the_table` (so a new method cannot skip the
  check), as does one whose `by` is optional;
- a stranger (another signed-in user, or no user on a workspace that has an owner) gets exactly
  what a missing workspace gives — same exception, same message — and the database, dumped
  table by table, is unchanged;
- the role matrix, owner / editor / viewer / stranger × every case, is printed and must match
  the one in docs/security.md.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, select
from sqlalchemy.exc import SAWarning

from kpi.store.alert_delivery import Subscriber
from kpi.store.model import SYSTEM, Forbidden, NotFound, ReadOnly
from kpi.store.tables import _meta
from kpi.store.workspaces import Store
from tests.kpi.conftest_store import store as store  # noqa: F401
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixtures)
from tests.kpi.test_store import MAPPING, OTHER_MAPPING, SUBSCRIPTIONS

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB, CAROL, DAN = "alice@acme.io", "bob@acme.io", "carol@acme.io", "dan@elsewhere.example"
ROLES = {"owner": ALICE, "editor": CAROL, "viewer": BOB, "stranger": DAN}
ME = object()  # in a case's arguments: the acting user
SUBSCRIBER = Subscriber("email", "cs@acme.io")
ALERT = [("logo_churn_rate", "spike")]


@dataclass(frozen=True)
class Case:
    """One call of a `Store` method on a workspace: its other arguments (`ME` stands for the
    acting user) and the right it needs."""

    method: str
    need: str  # "view", "edit" or "own"
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.method

    def call(self, store: Store, workspace_id: int, by: Any) -> Any:
        def swap(value: Any) -> Any:
            return by if value is ME else value

        return getattr(store, self.method)(*map(swap, self.args), workspace_id=workspace_id, by=by,
                                           **{k: swap(v) for k, v in self.kwargs.items()})


CASES = [
    Case("load", "view"),
    Case("can_open", "view"),
    Case("version", "view"),
    Case("snapshots", "view"),
    Case("restatements", "view", kwargs={"current_reports": {"2025-01": {"as_of": "2025-01"}}}),
    Case("export_zip", "view"),
    Case("role", "view"),
    Case("audit_log", "view"),
    Case("audit", "view", args=("export",), kwargs={"detail": {"format": "xlsx"}}),
    Case("subscribers", "view"),
    Case("sent_log", "view"),
    Case("unsent", "view", kwargs={"month": "2025-02", "alerts": ALERT, "subscriber": SUBSCRIBER}),
    Case("duplicate", "view", kwargs={"owner": ME}, label="duplicate (a copy of one's own)"),
    Case("duplicate", "edit", label="duplicate (for its owner)"),
    Case("save", "edit", kwargs={"files": {"subs.csv": SUBSCRIPTIONS + b"D,2025-03-01,10\n"}}),
    Case("save_files", "edit", kwargs={"files": {"other.csv": b"a,b\n1,2\n"}}),
    Case("add_file", "edit", kwargs={"name": "other.csv", "content": b"a,b\n1,2\n"}),
    Case("remove_file", "edit", kwargs={"name": "subs.csv"}),
    Case("update_files", "edit", kwargs={"files": {"next.csv": SUBSCRIPTIONS}, "mapping_json": MAPPING}),
    Case("save_mapping", "edit", kwargs={"mapping_json": OTHER_MAPPING}),
    Case("save_settings", "edit", kwargs={"settings_json": json.dumps({"gross_margin": 0.5})}),
    Case("mark_reported", "edit", kwargs={"month": "2025-02", "report": {"as_of": "2025-02"}}),
    Case("unmark_reported", "edit", kwargs={"month": "2025-01"}),
    Case("set_subscribers", "edit", kwargs={"subscribers": [("email", "ops@acme.io")]}),
    Case("record_sent", "edit", kwargs={"month": "2025-02", "alerts": ALERT, "subscriber": SUBSCRIBER}),
    Case("duplicate", "own", kwargs={"owner": "erin@acme.io"}, label="duplicate (for someone else)"),
    Case("rename", "own", kwargs={"name": "Renamed"}),
    Case("delete", "own"),
    Case("share", "own", kwargs={"email": DAN, "role": "view"}),
    Case("unshare", "own", kwargs={"email": BOB}),
    Case("shared_with", "own"),
]
ALLOWED = {"view": {"owner", "editor", "viewer"}, "edit": {"owner", "editor"}, "own": {"owner"}}


def build_world(store: Store, name: str = "Alice's") -> int:
    """Alice's workspace with a reported month, a subscriber and one delivery in the sent log;
    Bob can view it, Carol can edit it. Dan has a workspace of his own."""
    workspace_id = store.create_workspace(name, owner=ALICE, files={"subs.csv": SUBSCRIPTIONS},
                                          mapping_json=MAPPING, by=ALICE)
    store.mark_reported(workspace_id, "2025-01", {"as_of": "2025-01", "revenue": {"mrr": 150.0}}, by=ALICE)
    store.share(workspace_id, BOB, "view", by=ALICE)
    store.share(workspace_id, CAROL, "edit", by=ALICE)
    store.set_subscribers(workspace_id, [("email", SUBSCRIBER.address)], by=ALICE)
    store.record_sent(workspace_id, "2025-01", ALERT, SUBSCRIBER, by=SYSTEM)
    if not any(w.name == "Dan's" for w in store.list_workspaces(DAN)):
        store.create_workspace("Dan's", owner=DAN, by=DAN)
    return workspace_id


@functools.cache
def every_table(store: Store) -> tuple[Table, ...]:
    """Every table of the store's database, reflected (not only those the code names)."""
    tables = MetaData()
    with store.engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # expression-based indexes are not reflected: no matter
        tables.reflect(conn)
    assert {table.name for table in _meta.sorted_tables} <= set(tables.tables)
    return tuple(tables.sorted_tables)


def dump(store: Store) -> dict[str, list]:
    """Every row of every table, in a stable order: what "nothing changed" compares."""
    with store.engine.connect() as conn:
        return {table.name: sorted(tuple(repr(v) for v in row) for row in conn.execute(select(table)))
                for table in every_table(store)}


def outcome(call: Callable[..., Any], *args: Any) -> tuple[str, str]:
    """What `call(*args)` gave: ("returned", value) or (exception class, message)."""
    try:
        return "returned", repr(call(*args))
    except Exception as error:  # noqa: BLE001  (what the call raised is what is compared)
        return type(error).__name__, str(error)


def workspace_methods(cls: type) -> dict[str, inspect.Signature]:
    """The public methods of `cls` that take a workspace id."""
    return {name: inspect.signature(member) for name, member in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_") and "workspace_id" in inspect.signature(member).parameters}


def unchecked(cls: type) -> list[str]:
    """What is wrong with `cls`'s workspace methods: missing from `CASES`, or `by` not a required
    keyword."""
    problems = []
    covered = {case.method for case in CASES}
    for name, signature in sorted(workspace_methods(cls).items()):
        if name not in covered:
            problems.append(f"{name}: not in CASES")
        by = signature.parameters.get("by")
        if by is None or by.kind is not inspect.Parameter.KEYWORD_ONLY or by.default is not inspect.Parameter.empty:
            problems.append(f"{name}: `by` is not a required keyword")
    return problems


# ── Every method is in the table, and names who acts ─────────────────────────────────────


def test_every_method_that_takes_a_workspace_is_in_the_table():
    assert unchecked(Store) == []
    assert {case.method for case in CASES} == set(workspace_methods(Store))
    assert len(workspace_methods(Store)) >= 28


def test_a_new_method_missing_from_the_table_fails_the_check():
    class Leaky(Store):
        def peek(self, workspace_id: int) -> int:
            return workspace_id

        def peek_for(self, workspace_id: int, *, by: str | None = None) -> int:
            return workspace_id

    assert unchecked(Leaky) == ["peek: not in CASES", "peek: `by` is not a required keyword",
                                "peek_for: not in CASES", "peek_for: `by` is not a required keyword"]


def test_a_call_that_forgets_who_acts_is_a_type_error_and_writes_nothing(store):
    workspace_id = build_world(store)
    before = dump(store)
    for case in CASES:
        arguments = {k: (ALICE if v is ME else v) for k, v in case.kwargs.items()}
        with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'by'"):
            getattr(store, case.method)(*case.args, workspace_id=workspace_id, **arguments)
    assert dump(store) == before


# ── A stranger is answered as for a missing workspace ─────────────────────────────────────


def test_a_stranger_gets_exactly_what_a_missing_workspace_gives_and_nothing_changes(store):
    workspace_id = build_world(store)
    before = dump(store)
    strangers = {case.name: {who: outcome(case.call, store, workspace_id, who) for who in (DAN, None)}
                 for case in CASES}
    assert dump(store) == before, "a stranger's call changed the database"

    store.delete(workspace_id, by=ALICE)  # now the same id is a missing workspace, for everyone
    before = dump(store)
    missing = {case.name: outcome(case.call, store, workspace_id, ALICE) for case in CASES}
    assert dump(store) == before, "a call on a missing workspace changed the database"

    expected = ("NotFound", f"workspace {workspace_id} does not exist (it may have been deleted in another session)")
    for name, answers in strangers.items():
        assert answers == {DAN: missing[name], None: missing[name]}, name
        assert missing[name] == (expected if name != "can_open" else ("returned", "False")), name


def test_the_alerts_command_acts_as_system_on_any_workspace(store):
    workspace_id = build_world(store)
    assert store.load(workspace_id, by=SYSTEM).owner == ALICE
    assert store.unsent(workspace_id, "2025-01", ALERT, SUBSCRIBER, by=SYSTEM) == []
    assert store.record_sent(workspace_id, "2025-02", ALERT, SUBSCRIBER, by=SYSTEM) == 1
    assert [(r.month, r.address) for r in store.sent_log(workspace_id, by=ALICE)][0] == ("2025-02", SUBSCRIBER.address)
    store.audit("alerts", by=SYSTEM, workspace_id=workspace_id)
    assert store.audit_log(workspace_id, limit=1, by=ALICE)[0].who == "system"


def test_the_pages_never_act_as_the_system():
    named = [str(path.relative_to(ROOT)) for folder in ("ui", "app_pages") for path in (ROOT / folder).rglob("*.py")
             if re.search(r"\bSYSTEM\b", path.read_text(encoding="utf-8"))]
    named += ["app.py"] if re.search(r"\bSYSTEM\b", (ROOT / "app.py").read_text(encoding="utf-8")) else []
    assert named == []


# ── The role matrix ───────────────────────────────────────────────────────────────────────


def expected_cell(role: str, case: Case) -> str:
    """The contract: allowed; NotFound for a stranger (`can_open` answers False, as for a missing
    workspace); ReadOnly for a viewer asked to change; Forbidden for an editor asked for the
    owner's rights."""
    if role in ALLOWED[case.need]:
        return "allowed"
    if role == "stranger":
        return "False" if case.method == "can_open" else "NotFound"
    return "ReadOnly" if role == "viewer" else "Forbidden"


def matrix_markdown(cells: dict[tuple[str, str], str]) -> str:
    """The matrix as the Markdown table docs/security.md shows."""
    lines = ["| method | needs | " + " | ".join(ROLES) + " |", "|---|---|" + "---|" * len(ROLES)]
    for case in CASES:
        lines.append(f"| `{case.name}` | {case.need} | " + " | ".join(cells[case.name, role] for role in ROLES) + " |")
    return "\n".join(lines)


def test_the_role_matrix_owner_editor_viewer_stranger_by_every_method(store):
    cells, wrong = {}, []
    for case in CASES:
        for role, user in ROLES.items():
            workspace_id = build_world(store, f"{case.name} by {role}")  # one per cell: a cell may delete it
            before = dump(store)
            kind, message = outcome(case.call, store, workspace_id, user)
            cell = kind if kind != "returned" else "False" if message == "False" else "allowed"
            cells[case.name, role] = cell
            if cell != expected_cell(role, case):
                wrong.append(f"{case.name} by {role}: {cell} ({message}), expected {expected_cell(role, case)}")
            elif cell != "allowed" and dump(store) != before:
                wrong.append(f"{case.name} by {role}: refused, but the database changed")
            if cell == "ReadOnly":
                assert message == f"{user} can view this workspace but not change it"
            if cell == "Forbidden":
                assert message.startswith(f"{user} does not own this workspace: only its owner can")
    table = matrix_markdown(cells)
    print(f"\n{store.backend}: {len(CASES)} calls × {len(ROLES)} roles = {len(cells)} cells\n{table}")
    assert wrong == []
    assert len(cells) == len(CASES) * len(ROLES)
    documented = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert table in documented, "docs/security.md's matrix is not the store's: paste the printed one"
    assert f"{len(CASES)} calls × {len(ROLES)} roles = {len(cells)} cells" in documented


def test_refusals_are_the_ones_the_pages_already_catch():
    assert issubclass(ReadOnly, Forbidden) and not issubclass(NotFound, Forbidden)
