"""Isolation as a matrix: every page × every action it offers × seven identities, each cell run.

The pages come from the app's registry (app.py's `st.Page` list, `PAGES`); the sidebar, drawn by
app.py on every page, is one more row. `ACTIONS` declares, per page, "view" and every control that
changes or exports something, with the right it needs (`NEEDS`); a control the owner's page draws
(button, form submit button, download button, file uploader, an input or chart that acts on change
through an on_change / on_select callback — also those that only appear after a click, in a dialog
or after an upload) that no action declares fails the test, so a new button is never unchecked.
`RULES` is the one table of what each identity gets for each need:

gate      refused at sign-in: the page's content and the control never drawn, no store call at all
allowed   done: the store method behind the action answered this user, the change is in the
          database (or the file is handed out)
refused   the control is disabled or absent; clicked anyway (a crafted client can send a disabled
          widget's value), the store refuses, the database is unchanged and the page says why
          (ui.access.READ_ONLY for a viewer, the store's sentence for an editor), never a traceback
elsewhere another signed-in user: Alice's workspace in his link, or in his session state, is answered
          as a missing one — the same page as for an id that never existed; what he does acts on his
          own workspace; every store call he makes with Alice's id answers NotFound (or False)

Every cell runs in AppTest (app.py, sign-in configured, Streamlit's simulated `st.user`), on one
database seeded once per module (tests/security/isolation_world.py). The matrix is printed and
written to tests/output/isolation_matrix.txt; `test_every_cell_was_checked` fails unless every cell
was checked and is as the rules say.
docs/security.md ("Isolation matrix") describes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

import pytest
from streamlit.testing.v1 import AppTest

from kpi.text import escape_markdown
from tests.security.conftest import PAGES, ROOT, everything_shown, gated
from tests.security.isolation_world import (
    ALICE,
    ALICES,
    ALICES_OTHER,
    BOB,
    CALLS,
    CAROL,
    DAN,
    TINY,
    WRITES,
    World,
    by_key,
    controls,
    downloaded,
    find,
    hostile_client,
    matching,
    open_world,
    page_blocks,
    shared_bytecode,
    spies,
)
from ui.access import GONE, READ_ONLY

SIDEBAR = "(sidebar)"
ROWS = [page.removeprefix("app_pages/").removesuffix(".py") for page in PAGES] + [SIDEBAR]
ACCESS = {"emails": [ALICE, BOB, CAROL, DAN], "domains": []}
MALLORY = "mallory@elsewhere.example"
IDENTITIES = {  # name → st.user
    "anonymous": {"is_logged_in": False},
    "not on the allow-list": {"is_logged_in": True, "email": MALLORY, "email_verified": True},
    "email_verified false": {"is_logged_in": True, "email": ALICE, "email_verified": False},  # the owner's own address
    "another user": {"is_logged_in": True, "email": DAN, "email_verified": True},
    "viewer guest": {"is_logged_in": True, "email": BOB, "email_verified": True},
    "editor guest": {"is_logged_in": True, "email": CAROL, "email_verified": True},
    "owner": {"is_logged_in": True, "email": ALICE, "email_verified": True},
}  # in the order they run on each page: the owner last, as its actions rename, unshare and delete
NEEDS = ("view", "account", "session", "edit", "own")
# view: reads or exports the workspace; account: makes something of the user's own (a copy, an
# import); session: changes only what this session shows; edit: changes it; own: its owner's alone
GATE = {need: "gate" for need in NEEDS}
RULES: dict[str, dict[str, str]] = {
    "anonymous": GATE,
    "not on the allow-list": GATE,
    "email_verified false": GATE,
    "another user": {need: "elsewhere" for need in NEEDS},
    "viewer guest": {"view": "allowed", "account": "allowed", "session": "allowed", "edit": "refused",
                     "own": "refused"},
    "editor guest": {"view": "allowed", "account": "allowed", "session": "allowed", "edit": "allowed",
                     "own": "refused"},
    "owner": {need: "allowed" for need in NEEDS},
}
OUTPUT = ROOT / "tests" / "output" / "isolation_matrix.txt"


# ── the actions a page offers ────────────────────────────────────────────────────────────────


def click(pattern: str) -> Callable[[AppTest], None]:
    def do(app: AppTest) -> None:
        find(app, pattern).click()
        app.run()
    return do


def steps(*parts: Callable[[AppTest], None]) -> Callable[[AppTest], None]:
    def do(app: AppTest) -> None:
        for part in parts:
            part(app)
    return do


def set_input(kind: str, label: str, value) -> Callable[[AppTest], None]:
    def do(app: AppTest) -> None:
        next(w for w in app.get(kind) if w.label == label).set_value(value)
    return do


def upload(pattern: str, name: str, content: bytes, mime: str) -> Callable[[AppTest], None]:
    def do(app: AppTest) -> None:
        uploader = find(app, f"upload:{pattern}")
        uploader.set_value([(name, content, mime)] if uploader.proto.multiple_files else (name, content, mime))
        app.run()
        seen(app)  # what an upload draws (choices, buttons) must be declared too
    return do


WATCHING: list[str] = []  # the row whose owner's controls are being discovered (set by run_row)


def seen(app: AppTest) -> None:
    """Discover what this step drew (an open dialog, the page after an upload), on the owner's run."""
    if WATCHING:
        discover(app, WATCHING[0])


def choose_radio(key: str, option: str) -> Callable[[AppTest], None]:
    def do(app: AppTest) -> None:
        radio = by_key(app, "radio", key)
        if radio is not None:
            radio.set_value(next(o for o in radio.options if o.startswith(option))).run()
    return do


def other_nps_rule(app: AppTest) -> None:
    radio = next(r for r in app.radio if r.label == "NPS counting rule")
    radio.set_value("latest" if radio.value == "all" else "all")


def another_workspace(app: AppTest) -> None:
    box = next(s for s in app.main.selectbox if s.label == "Open a workspace")
    box.set_value(next(o for o in box.options if o != box.value)).run()


def toggle_cents(app: AppTest) -> None:
    by_key(app, "toggle", "map::*::cents").set_value(True).run()


def rename(app: AppTest) -> None:
    next(t for t in app.text_input if t.label == "New name").set_value(f"{ALICES} (renamed)").run()
    click("button:Rename")(app)


def delete(app: AppTest) -> None:
    """The dialog asks; its button is clicked in a run that opens it again, as `edit_narrative`."""
    click("button:Delete…")(app)
    seen(app)  # the dialog's own controls
    find(app, "button:Delete…").click()
    find(app, "button:Delete for good").click()
    app.run()


def edit_narrative(app: AppTest) -> None:
    """Open the dialog, then (AppTest reruns the whole script, not the dialog's fragment) send its
    fields and its submit button in a run that opens it again: the page calls the dialog, whose
    form reads them. The narrative itself is edited, so "Back to the generated narrative" follows."""
    click("button:Edit the narrative and commentary")(app)
    seen(app)  # the dialog's own controls
    find(app, "button:Edit the narrative and commentary").click()
    narrative = next(t for t in app.text_area if t.label == "Narrative, written from the numbers")
    narrative.set_value(f"Our best quarter yet. {narrative.value}")
    next(t for t in app.text_area if t.label == "Asks").set_value("- Intros to two CFOs")
    find(app, "submit:Save for the exports").click()
    app.run()


def select(key: str, selection: dict) -> Callable[[AppTest], None]:
    """Click a point of the chart `key` or a row of the table `key`: the widget state the browser
    sends, so its on_select callback runs."""
    def do(app: AppTest) -> None:
        states = app._tree.get_widget_states()
        state = states.widgets.add()
        state.id = find(app, f"change:{key}").proto.id
        state.string_value = json.dumps({"selection": selection})
        app._run(states)
    return do


def point(x: str, index: int) -> dict:
    return {"points": [{"x": x, "y": 100.0, "curve_number": 0, "point_number": index, "point_index": index}],
            "point_indices": [index], "box": [], "lasso": []}


def other_margin(app: AppTest) -> None:
    """The gross margin saves as soon as it changes (its on_change callback), no button."""
    field = by_key(app, "number_input", "gross_margin_pct")
    field.set_value(40.0 if field.value != 40.0 else 45.0).run()


def share_rights(app: AppTest) -> None:
    by_key(app, "segmented_control", f"rights::{BOB}").set_value("edit").run()


def import_zip(app: AppTest) -> None:
    upload("workspace_zip", "alices-other.zip", WORLD_ZIP[0], "application/zip")(app)


WORLD_ZIP: list[bytes] = []  # Alice's small workspace exported, for the import action (set by `world`)


@dataclass(frozen=True)
class Action:
    """One thing a page lets a user do. `controls`: the names (`kind:key-or-label`, glob patterns)
    of the controls it uses; `do`: what the user does (None for "view", and for a download: the
    file is fetched as the browser does); `store`: the `Store` method it calls; `magic`: how the
    downloaded file starts; `moves`: it opens another workspace or page."""

    page: str
    name: str
    need: str
    controls: tuple[str, ...] = ()
    do: Callable[[AppTest], None] | None = None
    store: str | None = None
    magic: bytes | None = None
    moves: bool = False
    locate: Callable[[AppTest], object] | None = None  # a change control that is not a button
    changes: bool = True  # an allowed "edit" or "own" changes the database (False: it may save the same)

    def widgets(self, app: AppTest) -> list:
        if self.locate is not None:
            found = self.locate(app)
            return [found] if found is not None else []
        return [widget for block in (*page_blocks(app), app.sidebar)
                for widget in matching(controls(block), self.controls).values()]


def download(page: str, name: str, control: str, magic: bytes, store: str | None = None) -> Action:
    return Action(page, name, "view", (control,), store=store, magic=magic)


EXPORTS = [("Deck (PPTX)", "pptx", b"PK"), ("Workbook (XLSX)", "xlsx", b"PK"), ("Report (HTML)", "html", b"<"),
           ("Email body (HTML)", "email.html", b"<"), ("Summary (Markdown)", "md", b"#")]
ACTIONS: list[Action] = [
    *[Action(row, "view", "view") for row in ROWS if row != SIDEBAR],
    Action(SIDEBAR, "open the Workspaces page", "session", ("button:Workspaces",), click("button:Workspaces"),
           moves=True),
    Action(SIDEBAR, "sign out", "session", ("button:sign_out",), click("button:sign_out"), moves=True),
    download("revenue", "download the MRR per customer (CSV)", "download:Download MRR per customer and month (CSV)",
             b"\"customer_id\""),
    Action("revenue", "open the customers behind a bridge bar", "session", ("change:bridge_chart",),
           select("bridge_chart", point("Churn", 5))),
    Action("revenue", "open the customers behind a movements bar", "session", ("change:movements_chart",),
           select("movements_chart", point("2026-08-01", 0))),
    download("retention", "download the logo matrix (CSV)", "download:csv_logo", b"cohort"),
    download("retention", "download the revenue matrix (CSV)", "download:csv_revenue", b"cohort"),
    Action("customers", "open a customer from the health table", "session", ("change:health_rows",),
           select("health_rows", {"rows": [2], "columns": [], "cells": []})),
    Action("customers", "back to the default weights", "session", ("button:Back to the default weights",),
           click("button:Back to the default weights")),
    *[download("investor_update", f"export the {label}", f"download:export_{suffix}", magic, store="audit")
      for label, suffix, magic in EXPORTS],
    Action("investor_update", "edit the narrative and commentary", "edit",
           ("button:Edit the narrative and commentary", "submit:Save for the exports"), edit_narrative,
           store="save_settings"),
    Action("investor_update", "back to the generated narrative", "edit", ("button:Back to the generated narrative",),
           click("button:Back to the generated narrative"), store="save_settings"),
    Action("investor_update", "mark the month as reported", "edit", ("button:Mark * as reported",),
           click("button:Mark * as reported"), store="mark_reported"),
    download("workspaces", "export the workspace (zip)", "download:Export this workspace (zip)", b"PK",
             store="export_zip"),
    Action("workspaces", "mark the month as reported", "edit", ("button:Mark * as reported",),
           click("button:Mark * as reported"), store="mark_reported"),
    Action("workspaces", "rename", "own", ("button:Rename",), rename, store="rename"),
    Action("workspaces", "share", "own", ("button:Share",),
           steps(set_input("text_input", "Share with (e-mail)", "erin@acme.io"), lambda app: app.run(),
                 click("button:Share")), store="share"),
    Action("workspaces", "change a guest's rights", "own", do=share_rights, store="share",
           locate=lambda app: by_key(app, "segmented_control", f"rights::{BOB}")),
    Action("workspaces", "stop sharing", "own", ("button:unshare::*",), click(f"button:unshare::{CAROL}"),
           store="unshare"),
    Action("workspaces", "duplicate", "account", ("button:Duplicate",), click("button:Duplicate"),
           store="duplicate", moves=True),
    Action("workspaces", "import a workspace (zip)", "account", ("upload:workspace_zip",), import_zip,
           store="import_zip", moves=True),
    Action("workspaces", "open another workspace", "session", ("button:Open workspace",),
           steps(another_workspace, click("button:Open workspace")), moves=True),
    Action("workspaces", "delete", "own", ("button:Delete…", "button:Delete for good"), delete, store="delete",
           moves=True),
    Action("upload", "upload into this workspace", "edit", ("upload:uploads_*", "button:Update “*”"),
           steps(upload("uploads_*", "signups.csv", TINY, "text/csv"), choose_radio("upload_into", "Add to"),
                 click("button:Update “*”")), store="update_files"),
    Action("upload", "upload into a new workspace", "edit", ("upload:uploads_*", "button:Open these files as my*"),
           steps(upload("uploads_*", "signups.csv", TINY, "text/csv"), choose_radio("upload_into", "Create"),
                 click("button:Open these files as my*")), store="create_workspace", moves=True),
    Action("mapping", "change a sheet's mapping", "edit", do=toggle_cents, store="save_mapping",
           locate=lambda app: by_key(app, "toggle", "map::*::cents")),
    Action("mapping", "load a mapping (JSON)", "edit", ("upload:mapping_upload",),
           lambda app: upload("mapping_upload", "mapping.json", downloaded(find(app, "download:Download this map*")),
                              "application/json")(app), store="save_mapping", changes=False),
    download("mapping", "download the mapping (JSON)", "download:Download this mapping (JSON)", b"{"),
    Action("mapping", "looks right → see your numbers", "session", ("button:Looks right → see your numbers",),
           click("button:Looks right → see your numbers"), moves=True),
    download("economics", "download the costs template (CSV)", "download:template::costs", b"month"),
    Action("economics", "change the gross margin (saved on change)", "edit", ("change:gross_margin_pct",),
           other_margin, store="save_settings", locate=lambda app: by_key(app, "number_input", "gross_margin_pct")),
    Action("settings", "apply the conventions", "edit", ("submit:Apply to every page",),
           steps(other_nps_rule, click("submit:Apply to every page")), store="save_settings"),
    Action("settings", "back to the defaults", "edit", ("button:Back to the defaults",),
           click("button:Back to the defaults"), store="save_settings"),
    Action("settings", "save the financing categories", "edit", ("submit:Save the financing categories",),
           click("submit:Save the financing categories"), store="save_settings", changes=False),
    Action("settings", "save the targets", "edit", ("submit:Save the targets",),
           steps(lambda app: by_key(app, "number_input", "target::mrr").set_value(123456.0),
                 click("submit:Save the targets")), store="save_settings"),
    Action("settings", "save the alert rules", "edit", ("submit:Save the alert rules",),
           steps(lambda app: by_key(app, "checkbox", "alert::mrr").uncheck(), click("submit:Save the alert rules")),
           store="save_settings"),
    Action("settings", "save the alert subscribers", "edit", ("submit:Save the alert subscribers",),
           steps(lambda app: by_key(app, "text_area", "delivery::emails").set_value("ops@acme.io"),
                 click("submit:Save the alert subscribers")), store="set_subscribers"),
    download("settings", "download the MRR per customer (CSV)", "download:Download MRR per customer and month (CSV)",
             b"\"customer_id\""),
]
RESULTS: dict[tuple[str, str, str], tuple[str, str]] = {}  # (row, action, identity) → (outcome, "" or what failed)
UNDECLARED: set[str] = set()


@pytest.fixture(scope="module")
def world(session_workbench_home) -> World:
    path = session_workbench_home.parent / "isolation-matrix.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    with spies(), shared_bytecode(), pytest.MonkeyPatch.context() as patch:
        # as on a server, every store() of the process is this database, also in a deferred download's
        # callable, which runs outside the script (and outside AppTest's simulated secrets)
        patch.setenv("KPI_DATABASE_URL", url)
        built = open_world(url)
        zipped = built.store.create_workspace("Imported numbers", owner="zip@acme.io", files={"customers.csv": TINY},
                                              by="zip@acme.io")
        WORLD_ZIP[:] = [built.store.export_zip(zipped, by="zip@acme.io")]
        yield built
        built.store.close()


def session(world: World, identity: str, row: str, **query) -> AppTest:
    page = "overview" if row == SIDEBAR else row
    return gated(f"app_pages/{page}.py", IDENTITIES[identity], access=ACCESS,
                 more_secrets={"KPI_DATABASE_URL": world.url}, **({"ws": str(world.alice)} | query))


def same_everywhere(text: str) -> str:
    """A render without what changes at every run (a download's file id) or names the link's id."""
    return re.sub(r'(file_id|url|deferred_file_id): "[^"]*"', r"\1: …", text)


def said(app: AppTest) -> str:
    return "\n".join([n.value for n in app.info] + [n.value for n in app.error] + [n.value for n in app.warning])


# ── the cells ────────────────────────────────────────────────────────────────────────────────

CHANGING_PAGES = {action.page for action in ACTIONS if action.need in ("edit", "own") and action.page != SIDEBAR}


def actions_of(row: str) -> list[Action]:
    return [action for action in ACTIONS if action.page == row]


def record(row: str, action: Action, identity: str, problems: list[str]) -> None:
    RESULTS[row, action.name, identity] = (RULES[identity][action.need], "; ".join(problems))


def discover(app: AppTest, row: str) -> None:
    """Every control the owner's render draws must belong to a declared action of its row."""
    for block, where in [*((block, row) for block in page_blocks(app)), (app.sidebar, SIDEBAR)]:
        declared = [pattern for action in actions_of(where) for pattern in action.controls]
        UNDECLARED.update(f"{where}: {name}" for name in controls(block)
                          if not any(fnmatchcase(name, pattern) for pattern in declared))


def successful(method: str, user: str) -> list:
    return [c for c in CALLS if c.method == method and c.by == user and c.outcome == "returned"]


def writes_on(workspace_id: int, user: str) -> list:
    return [c for c in CALLS if c.method in WRITES and c.by == user and c.outcome == "returned"
            and c.workspace_id == workspace_id]


def gate_row(world: World, identity: str, row: str) -> None:
    """One run of the row's page: refused before any page, for every action of the row."""
    before = world.dump()
    CALLS.clear()
    app = session(world, identity, row)
    shown = everything_shown(app)
    problems = [f"store called: {CALLS[0]}"] if CALLS else []
    problems += ["the sidebar is drawn"] if app.sidebar.children else []
    problems += [f"{word!r} shown" for word in ("MRR", escape_markdown(ALICES), "As of") if word in shown]
    problems += [f"title {t.value!r}" for t in app.title if t.value not in ("KPI workbench", "Access refused")]
    problems += ["the database changed"] if world.dump() != before else []
    for action in actions_of(row):
        record(row, action, identity, problems + [f"{n} drawn" for n in action.widgets(app)[:1]])


def check_allowed(world: World, app: AppTest, identity: str, action: Action) -> list[str]:
    user = IDENTITIES[identity]["email"]
    if action.name == "view":
        problems = [] if any(escape_markdown(ALICES) in m.value for m in app.sidebar.markdown) else [
            "Alice's workspace is not the one shown"]
        problems += [] if app.title else ["no title: the page was not drawn"]
        if action.page in CHANGING_PAGES and (READ_ONLY in said(app)) != (identity == "viewer guest"):
            problems.append("READ_ONLY said to whoever may change it, or not to the viewer")
        return problems
    widgets = action.widgets(app)
    if not widgets:
        return ["not drawn"]
    if any(getattr(w.proto, "disabled", False) for w in widgets if action.do is None or action.locate):
        return ["disabled"]
    CALLS.clear()
    if action.do is None:  # a download: what the browser gets
        content = downloaded(widgets[0]).lstrip(b"\xef\xbb\xbf")
        problems = [] if content.startswith(action.magic) else [f"the file starts {content[:20]!r}"]
        if action.store and not successful(action.store, user):
            problems.append(f"no {action.store} by {user}")
        return problems
    before = world.dump(world.alice)
    action.do(app)
    problems = [f"exception: {app.exception[0].message[:120]}"] if app.exception else []
    if action.store and not successful(action.store, user):
        problems.append(f"the store's {action.store} did not answer {user}: "
                        f"{[c for c in CALLS if c.method == action.store][:1]}")
    if action.store is None and [c for c in CALLS if c.method in WRITES and c.outcome == "returned"]:
        problems.append("a session action wrote to the store")
    if (action.need in ("edit", "own") and action.changes and not action.moves
            and world.dump(world.alice) == before):
        problems.append("nothing changed in the database")
    if action.name == "sign out" and [b.label for b in app.button] != ["Sign in"]:
        problems.append("still signed in")
    return problems


def check_refused(world: World, app: AppTest, identity: str, action: Action) -> list[str]:
    user = IDENTITIES[identity]["email"]
    widgets = action.widgets(app)
    if action.name == "view" or not widgets:
        return []  # absent: nothing to click
    problems = [f"{action.controls or 'its control'} enabled" for w in widgets if not w.proto.disabled][:1]
    before = world.dump()
    CALLS.clear()
    try:
        with hostile_client():  # clicked anyway
            action.do(app)
    except (StopIteration, AttributeError):
        pass  # a later step's control is not drawn at all: nothing more a client can send
    problems += [f"exception: {app.exception[0].message[:120]}"] if app.exception else []
    problems += [f"{c.method} answered {user}" for c in writes_on(world.alice, user)]
    # a disabled control's forged value never reaches the page (Streamlit drops it); a call that does
    # reach the store is refused by it, never answered with anything else
    problems += [f"{c.method} by {user}: {c.outcome}" for c in CALLS if c.method == action.store and c.by == user
                 and c.outcome not in ("Forbidden", "ReadOnly")]
    problems += ["the database changed"] if world.dump() != before else []
    sentence = READ_ONLY if identity == "viewer guest" else f"{user} does not own this workspace"
    if sentence not in said(app) and not (identity == "viewer guest" and "You can view this workspace" in
                                          everything_shown(app)):
        problems.append(f"not told why: {said(app)[:160]!r}")
    return problems


def alice_unseen(world: World, app: AppTest, before: dict) -> list[str]:
    shown = everything_shown(app)
    problems = [f"{name!r} shown" for name in (escape_markdown(ALICES), escape_markdown(ALICES_OTHER))
                if name in shown]
    problems += ["exception"] if app.exception else []
    problems += ["Alice's workspace changed"] if world.dump(world.alice) != before else []
    problems += [f"{c.method} on Alice's id answered {c.outcome}" for c in CALLS if c.workspace_id == world.alice
                 and c.outcome != "NotFound" and not (c.method == "can_open" and c.result is False)]
    return problems


def forged(world: World):
    from ui.choices import Workspace
    return Workspace(ALICES, {}, {}, id=world.alice, version=1)


def check_elsewhere(world: World, app: AppTest, action: Action) -> list[str]:
    before = world.dump(world.alice)
    CALLS.clear()
    if action.name == "view":
        missing = session(world, "another user", action.page, ws=str(world.alice + 10_000))
        problems = [] if same_everywhere(everything_shown(app)) == same_everywhere(everything_shown(missing)) else [
            "Alice's id in the link gives another page than a missing id"]
        app.session_state["workspace"] = forged(world)
        app.run()
        problems += [] if GONE in said(app) else ["Alice's workspace in the session state is not answered as gone"]
        return problems + alice_unseen(world, app, before)
    app.session_state["workspace"] = forged(world)  # his session claims Alice's workspace, then he acts
    widgets = action.widgets(app)
    if widgets and not any(getattr(w.proto, "disabled", False) for w in widgets):
        try:
            if action.do is None:
                content = downloaded(widgets[0])
                if ALICES.encode() in content:
                    return ["the file names Alice's workspace"]
            else:
                action.do(app)
        except (StopIteration, AttributeError):
            pass  # his own workspace does not draw this control's later steps
    else:
        app.run()
    return alice_unseen(world, app, before)


CHECKS = {"allowed": check_allowed, "refused": check_refused}


def run_row(world: World, identity: str, row: str) -> None:
    """Every action of the row for one signed-in identity, in one session. A fresh one (opened only
    when the next action needs it) after an action that opened another workspace or page, or broke;
    not after a refusal, which moved nothing, nor after another user's action that stays on the
    page, which leaves him on his own workspace (the next one claims Alice's again in his session)."""
    rule = RULES[identity]
    app = None
    WATCHING[:] = [row] if identity == "owner" else []
    for action in actions_of(row):
        app = app or session(world, identity, row)
        if identity == "owner" and action.name == "view":
            discover(app, row)
        outcome = rule[action.need]
        try:
            if outcome == "elsewhere":
                problems = check_elsewhere(world, app, action)
            else:
                problems = CHECKS[outcome](world, app, identity, action)
        except Exception as error:  # noqa: BLE001  (a cell that breaks is a failed cell, said in the table)
            problems = [f"{type(error).__name__}: {error}"[:200]]
        if identity == "owner" and not action.moves and not app.exception:
            discover(app, row)
        record(row, action, identity, problems)
        if app.exception or (action.moves and outcome != "refused"):
            world.restore() if action.name == "delete" else None
            app = None
    WATCHING.clear()
    world.restore()


@pytest.mark.parametrize("row", ROWS)
def test_every_identity_gets_what_the_rules_say_on(row, world):
    for identity in IDENTITIES:
        if set(RULES[identity].values()) == {"gate"}:
            gate_row(world, identity, row)
        else:
            run_row(world, identity, row)
    wrong = {f"{action} × {identity}: {problems}" for (page, action, identity), (_, problems) in RESULTS.items()
             if page == row and problems}
    assert not wrong, "\n".join(sorted(wrong))
    assert not [name for name in UNDECLARED if name.startswith(f"{row}:")], (
        f"controls no action declares (add them to ACTIONS with the right they need): {sorted(UNDECLARED)}")


def matrix_table() -> str:
    width = max(len(f"{page} · {name}") for page, name in {(a.page, a.name) for a in ACTIONS}) + 2
    lines = [f"{'page · action':<{width}}{'need':<9}" + "".join(f"{i:<24}" for i in IDENTITIES)]
    for action in ACTIONS:
        cells = []
        for identity in IDENTITIES:
            outcome, problems = RESULTS.get((action.page, action.name, identity), ("unchecked", ""))
            cells.append(f"{outcome + (' FAILED' if problems else ''):<24}")
        lines.append(f"{action.page + ' · ' + action.name:<{width}}{action.need:<9}" + "".join(cells))
    return "\n".join(lines)


def test_every_cell_was_checked(capsys):
    """Runs after the rows (same module, in order): the matrix, printed and written; every cell
    checked and as the rules say, or it fails (no cell is tolerated)."""
    cells = len(ACTIONS) * len(IDENTITIES)
    checked = sum((a.page, a.name, i) in RESULTS for a in ACTIONS for i in IDENTITIES)
    passed = sum(not RESULTS.get((a.page, a.name, i), ("", "x"))[1] for a in ACTIONS for i in IDENTITIES)
    pages = len(ROWS) - 1
    summary = (f"{pages} pages + the sidebar × {len(ACTIONS)} actions (view and every control) × {len(IDENTITIES)} "
               f"identities = {cells} cells, {checked} checked, {passed} as the rules say "
               f"({100 * passed / cells:.0f} %), {cells - passed} gaps")
    failed = "".join(f"- {' × '.join(cell)}: {problems}\n" for cell, (_, problems) in RESULTS.items() if problems)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(f"{summary}\n\n{matrix_table()}\n" + (f"\nfailed:\n{failed}" if failed else ""),
                      encoding="utf-8")
    with capsys.disabled():
        print(f"\nisolation matrix: {summary}")
    assert checked == cells, f"unchecked cells: run the whole module ({summary})"
    assert passed == cells, f"{summary}\n{failed}"
    assert len({a.page for a in ACTIONS} - {SIDEBAR}) == len(PAGES) == pages
