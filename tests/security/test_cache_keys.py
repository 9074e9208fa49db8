"""Every Streamlit cache is keyed by content (or by owner), or is global by design.

`st.cache_data` / `st.cache_resource` entries are shared by every session of a server — on a hosted
team server, by every user. Streamlit keys an entry on the function's parameters *except* those
whose name starts with `_`. A cached result that depends on an unhashed `_` argument not determined
by the hashed ones could hand one user's data to another, or stale data after a change.

This module finds every cached function of app.py, app_pages/ and ui/ by AST (a new one is found
automatically) and holds it to ONE declared table, `POLICY`: its key kind, the hashed parameters
that carry the content (or owner), and for each unhashed `_` parameter the equations its call
sites must satisfy (`{key} == {_ws}.key`: the hashed `key` is the content hash of the Workspace
passed unhashed). Call sites are checked by AST; a call inside another cached function (or a
wrapper) that passes its own parameters on is accepted when that caller declares the same
equations. Wrappers that take a `report` beside `current` are checked where they are called: the
report must be `data.report(current)`. Behavioural checks cover `Workspace.key` and the key tuples.
docs/security.md ("Caches shared between sessions") describes the table and these checks.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["app.py", "app_pages", "ui"]
KINDS = ("content", "owner", "global")


@dataclass(frozen=True)
class Policy:
    """How one cached function is keyed.

    kind: "content" (the hashed parameters carry a content hash, the bytes themselves or an
    immutable value object), "owner" (they carry who owns the data) or "global" (the same for
    every user by design: no per-user input at all).
    key: the hashed parameters carrying the content or owner.
    ties: alternative forms; a call site must satisfy every equation of one form. `{p}` is the
    source text of the argument given for parameter p; the other names are the caller's own.
    why: what it returns and why the key is enough, in a few words."""

    kind: str
    key: tuple[str, ...]
    why: str
    ties: tuple[tuple[str, ...], ...] = ()


WORKSPACE = (("{key} == {_ws}.key",),)  # key: Workspace.key, the hash of every file's bytes and the mapping
CURRENT = (("{key} == _key({_current})",),)  # _key: (workspace.key, as_of, filters, report_settings)
REPORT = (("{key} == scope(current)", "{_report} == data.report(current)"),)  # in a wrapper held to that, below
REPORT_KEY = (("{key} == _key(current)", "{_report} == data.report(current)"),)
SHEET = ("{file_digest} == ws.digests[{_sheet}.file]", "{sheet_key} == {_sheet}.key")
FIGURE = "a Plotly figure of small aggregated frames (hashed by value, below Streamlit's 50,000-row sampling)"

POLICY: dict[str, Policy] = {
    # ui/data.py: the one place where data is read, mapped and reported
    "ui/data.py::_bundled_digests": Policy("global", (), "sha256 of the bundled demo files: the same for everyone"),
    "ui/data.py::_sheets": Policy(
        "content", ("name", "digest"), "the sheets of one file, keyed by its name and the sha256 of its bytes",
        (("{digest} == ws.digests[{name}]", "{_data} == ws.files[{name}]"),
         ("{digest} == hashlib.sha256({_data}).hexdigest()",))),  # sheets_of_file, held to it below
    "ui/data.py::_shared_bytes": Policy(
        "content", ("name", "digest"), "one file's bytes, held once for every session that opened the same content",
        (("{digest} == hashlib.sha256({_data}).hexdigest()",),)),
    "ui/data.py::_tables": Policy("content", ("key",), "the canonical tables of the workspace's files and mapping",
                                  WORKSPACE),
    "ui/data.py::_report": Policy("content", ("key", "as_of", "filters", "settings", "events"),
                                  "the Report of the workspace for a month, segment filters and settings, and the "
                                  "events database's counts in force (ui/events_source.token; '' for the file)",
                                  WORKSPACE),
    "ui/data.py::_report_months": Policy("content", ("key",), "the months with data of the workspace", WORKSPACE),
    "ui/data.py::_attributes": Policy("content", ("key",), "the segment attributes and values of the workspace",
                                      WORKSPACE),
    "ui/data.py::_customer_codes": Policy("content", ("key",), "the workspace's customer IDs numbered, for filters",
                                          WORKSPACE),
    "ui/data.py::_event_names": Policy("content", ("key",), "the distinct event names of the workspace", WORKSPACE),
    "ui/data.py::_checked": Policy(
        "content", ("file_digest", "sheet_key", "mapping_json"),
        "one sheet's quality under a draft mapping: file hash, sheet and the mapping's full JSON",
        ((*SHEET, "{mapping_json} == json.dumps({_mapping}.to_json(), sort_keys=True)"),)),
    "ui/data.py::_mrr_csv": Policy(
        "content", ("key", "as_of", "filters", "settings"), "the MRR CSV of the current report",
        (("{key} == current.workspace.key", "{as_of} == current.as_of", "{filters} == current.filters",
          "{settings} == current.report_settings", "{_report} == data.report(current)"),)),
    # ui/events_source.py: the team's events database, the same for every workspace that opts in
    "ui/events_source.py::_counted": Policy(
        "content", ("key", "value_event", "window"),
        "the events database's aggregates for a value event and a ten-minute window, keyed by the sha256 of the "
        "source (URL with its password, table or query, columns)", (("{key} == source_key({_source})",),)),
    "ui/events_source.py::_event_names": Policy(
        "content", ("key",), "the events database's distinct event names (the value event's choices), keyed by the "
        "sha256 of the source", (("{key} == source_key({_source})",),)),
    # ui/state.py
    "ui/state.py::_store": Policy("global", ("url",), "one Store per database URL; every method names who acts"),
    # ui/mapping_editor.py
    "ui/mapping_editor.py::_proposal": Policy(
        "content", ("file_digest", "sheet_key"), "recognition's proposal for a sheet (it reads values too)", (SHEET,)),
    "ui/mapping_editor.py::_table_proposal": Policy(
        "content", ("file_digest", "sheet_key", "table"), "the columns proposed for a sheet and a table", (SHEET,)),
    # ui/definitions_doc.py
    "ui/definitions_doc.py::definition_sections": Policy("global", (), "docs/definitions.md, bundled with the app"),
    # State-keyed views: _current is passed unhashed, its report is data.report(_current)
    "ui/alerts_view.py::_month_alerts": Policy("content", ("key", "targets", "month"),
                                               "the alerts of one month under these targets", CURRENT),
    "ui/alerts_view.py::_view": Policy("content", ("key", "targets", "month"), "the Alerts page's view", CURRENT),
    "ui/engagement_view.py::_view": Policy("content", ("key", "back", "attributes", "events_token"),
                                           "the Engagement page's view, with the events database's counts in force",
                                           CURRENT),
    "ui/ops_views.py::_metrics": Policy("content", ("key", "keys", "granularity"), "KPIs over a period", CURRENT),
    "ui/ops_views.py::_support_view": Policy("content", ("key", "window", "top"), "the Support page's view", CURRENT),
    "ui/ops_views.py::_health_view": Policy("content", ("key", "weights", "events_token"),
                                            "health scores under these weights, with the events database's counts "
                                            "in force", CURRENT),
    "ui/ops_views.py::_directory": Policy("content", ("key",), "every customer of the current tables", CURRENT),
    "ui/ops_views.py::_customer_view": Policy("content", ("key", "customer_id"), "one customer's story", CURRENT),
    # views given the report itself (unhashed) beside the key of the state it was built for
    "ui/retention_charts.py::_cohorts": Policy("content", ("key", "settings", "segment"),
                                               "cohorts under other settings or of one segment", REPORT_KEY),
    "ui/satisfaction_charts.py::_monthly": Policy("content", ("key", "table"), "NPS/CSAT/CES per month", REPORT),
    "ui/satisfaction_charts.py::_attributes": Policy("content", ("key",), "what NPS can be broken down by", REPORT),
    "ui/satisfaction_charts.py::_breakdown": Policy("content", ("key", "by"), "NPS per segment and its test",
                                                    REPORT),
    "ui/satisfaction_charts.py::_revenue": Policy("content", ("key",), "MRR, churn and NRR per NPS category",
                                                  REPORT),
    "ui/satisfaction_charts.py::_answers": Policy("content", ("key", "everything", "by"), "the commented answers",
                                                  REPORT),
    "ui/satisfaction_charts.py::_filtered": Policy(
        "content", ("key", "everything", "by", "categories", "segments", "search", "n"),
        "the answers narrowed by the filters, and their top terms", REPORT),
    # figures keyed by the frames they draw (Streamlit hashes a DataFrame's shape, dtypes, index and values)
    "ui/satisfaction_charts.py::score_distribution": Policy("content", ("distribution",), FIGURE),
    "ui/satisfaction_charts.py::nps_trend": Policy("content", ("trend", "benchmark"), FIGURE),
    "ui/satisfaction_charts.py::segment_scores": Policy("content", ("table", "overall"), FIGURE),
    "ui/satisfaction_charts.py::revenue_by_category": Policy("content", ("table",), FIGURE),
    "ui/satisfaction_charts.py::terms_by_category": Policy("content", ("terms", "n"), FIGURE),
}

# Functions that are not cached but pass an argument straight into an unhashed parameter: their
# own call sites must satisfy these equations (same notation as Policy.ties).
WRAPPER_TIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "ui/data.py::sheets_of_file": (("{digest} == hashlib.sha256({data}).hexdigest()",),),
    # a workspace's sheet, or an upload's: the Upload page hashes the bytes its sheets were read from
    # (`sheets_of_file(upload.name, content, digest)` in the same loop body)
    "ui/mapping_editor.py::recognised": (("{file_digest} == ws.digests[{sheet}.file]",),
                                         ("{file_digest} == hashlib.sha256(content).hexdigest()",)),
    "ui/data.py::mrr_csv_of": (("{report} == data.report({current})",),),
    "ui/retention_charts.py::cohorts": (("{report} == data.report({current})",),),
    **{f"ui/satisfaction_charts.py::{name}": (("{report} == data.report({current})",),)
       for name in ("monthly", "attributes", "breakdown", "revenue", "answers", "filtered")},
}

# The only attributes a State-keyed function may read from its unhashed `_current`: the ones its key holds.
STATE_KEYED_ATTRIBUTES = {"workspace", "as_of", "filters", "report_settings"}


# ── finding the cached functions and their call sites ────────────────────────────────────────

def _modules() -> dict[str, ast.Module]:
    paths = [ROOT / "app.py", *sorted((ROOT / "app_pages").rglob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]
    return {path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8")) for path in paths}


MODULES = _modules()


def _is_cache_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource")
            and isinstance(target.value, ast.Name) and target.value.id == "st")


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def cached_functions() -> dict[str, ast.FunctionDef]:
    """'ui/data.py::_report' → its definition, for every st.cache_data / st.cache_resource function."""
    return {f"{path}::{node.name}": node for path, tree in MODULES.items() for node in _functions(tree)
            if any(_is_cache_decorator(decorator) for decorator in node.decorator_list)}


CACHED = cached_functions()


def _params(node: ast.FunctionDef) -> list[str]:
    args = node.args
    return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


@functools.cache
def _module_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name → module path, for `from ui import data` / `from ui import x as y` / `import ui.x`."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "ui":
            for name in node.names:
                aliases[name.asname or name.name] = f"ui/{name.name}.py"
        elif isinstance(node, ast.Import):
            for name in node.names:
                if name.name.startswith("ui.") and name.asname:
                    aliases[name.asname] = name.name.replace(".", "/") + ".py"
    return aliases


@dataclass(frozen=True)
class CallSite:
    path: str
    line: int
    call: ast.Call
    caller: ast.FunctionDef | None  # the innermost function around the call (None: module level)
    scope: ast.AST  # that function, or the module: where its arguments' names are bound


@functools.cache
def _enclosing(tree: ast.Module) -> dict[ast.AST, ast.FunctionDef]:
    parents: dict[ast.AST, ast.FunctionDef] = {}

    def visit(node: ast.AST, function: ast.FunctionDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            if function is not None:
                parents[child] = function
            visit(child, child if isinstance(child, ast.FunctionDef) else function)

    visit(tree, None)
    return parents


def call_sites(qualified: str) -> list[CallSite]:
    """Every call of the function `qualified` ('ui/data.py::_report') in app.py, app_pages/ and ui/:
    by its bare name in its own module, as `alias.name` where its module is imported."""
    home, name = qualified.split("::")
    sites = []
    for path, tree in MODULES.items():
        aliases = _module_aliases(tree)
        parents = _enclosing(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            target = node.func
            local = path == home and isinstance(target, ast.Name) and target.id == name
            imported = (isinstance(target, ast.Attribute) and target.attr == name
                        and isinstance(target.value, ast.Name) and aliases.get(target.value.id) == home)
            if local or imported:
                caller = parents.get(node)
                sites.append(CallSite(path, node.lineno, node, caller, caller or tree))
    return sites


def _definition(qualified: str) -> ast.FunctionDef:
    path, name = qualified.split("::")
    found = [node for node in _functions(MODULES[path]) if node.name == name]
    assert found, f"{qualified} is declared but does not exist"
    return found[0]


def _arguments(call: ast.Call, definition: ast.FunctionDef) -> dict[str, str]:
    """Parameter name → the source text of the argument given for it."""
    params = _params(definition)
    given = {param: ast.unparse(arg) for param, arg in zip(params, call.args, strict=False)}
    given |= {keyword.arg: ast.unparse(keyword.value) for keyword in call.keywords if keyword.arg}
    defaults = definition.args.defaults
    for param, default in zip(definition.args.args[len(definition.args.args) - len(defaults):], defaults,
                              strict=True):
        given.setdefault(param.arg, ast.unparse(default))
    return given


def _equation(template: str, values: dict[str, str]) -> str:
    return ast.unparse(ast.parse(template.format(**values), mode="eval"))


def _holds(equation: str) -> bool:
    compare = ast.parse(equation, mode="eval").body
    assert isinstance(compare, ast.Compare) and len(compare.comparators) == 1, equation
    return ast.unparse(compare.left) == ast.unparse(compare.comparators[0])


def _ties_of(qualified: str) -> tuple[tuple[str, ...], ...]:
    return POLICY[qualified].ties if qualified in POLICY else WRAPPER_TIES.get(qualified, ())


def _own_equations(path: str, caller: ast.FunctionDef | None) -> set[str]:
    """The equations a caller guarantees about its own parameters (its declared ties)."""
    if caller is None:
        return set()
    qualified = f"{path}::{caller.name}"
    own = {param: param for param in _params(caller)}
    return {_equation(template, own) for form in _ties_of(qualified) for template in form}


def tie_failures(qualified: str) -> list[str]:
    """Call sites of `qualified` where no declared form of its ties holds."""
    forms = _ties_of(qualified)
    if not forms:
        return []
    definition = _definition(qualified)
    failures = []
    for site in call_sites(qualified):
        given = _arguments(site.call, definition)
        guaranteed = _own_equations(site.path, site.caller)
        ok = False
        for form in forms:
            try:
                equations = [_equation(template, given) for template in form]
            except KeyError:  # an argument not given at all: this form cannot hold
                continue
            if all(_holds(e) or e in guaranteed or _bound(site.scope, e) for e in equations):
                ok = True
                break
        if not ok:
            failures.append(f"{site.path}:{site.line} {ast.unparse(site.call)}")
    return failures


def _bound(scope: ast.AST, equation: str) -> bool:
    """`name == expression` holds when every assignment of `name` in the scope is that expression
    (or `expression if … else None`, where None reaches no cache: the pages stop before)."""
    compare = ast.parse(equation, mode="eval").body
    left, right = compare.left, ast.unparse(compare.comparators[0])
    if not isinstance(left, ast.Name):
        return False
    values = [node.value for node in ast.walk(scope) if isinstance(node, ast.Assign)
              for target in node.targets if isinstance(target, ast.Name) and target.id == left.id]
    values += [node.value for node in ast.walk(scope) if isinstance(node, ast.NamedExpr) and node.target.id == left.id]
    if not values:
        return False

    def is_right(value: ast.expr) -> bool:
        if isinstance(value, ast.IfExp):
            branches = [value.body, value.orelse]
            return any(ast.unparse(b) == right for b in branches) and all(
                ast.unparse(b) == right or (isinstance(b, ast.Constant) and b.value is None) for b in branches)
        return ast.unparse(value) == right

    return all(is_right(value) for value in values)


# ── the table against the code ───────────────────────────────────────────────────────────────

def test_the_policy_table_lists_every_cached_function(capsys):
    """Every cached function is declared, and every declared one still exists; the table is printed."""
    width = max(map(len, CACHED))
    with capsys.disabled():
        print(f"\n{'function':<{width}}  {'kind':<7}  key parameters")
        for qualified in sorted(CACHED):
            policy = POLICY.get(qualified)
            print(f"{qualified:<{width}}  {policy.kind if policy else '??':<7}  "
                  f"{', '.join(policy.key) if policy else 'NOT DECLARED'}")
        print(f"{len(CACHED)} cached functions")
    assert len(CACHED) >= 30, "the AST search found too few st.cache_* functions: is it still looking?"
    missing = sorted(set(CACHED) - set(POLICY))
    assert not missing, f"cached functions missing from POLICY (declare their key kind and key): {missing}"
    stale = sorted(set(POLICY) - set(CACHED))
    assert not stale, f"POLICY declares functions that are no longer cached: {stale}"


def test_the_security_guide_states_the_count_and_kinds():
    """docs/security.md says how many caches there are and of which kind: kept true here."""
    section = (ROOT / "docs" / "security.md").read_text(encoding="utf-8").split("## Caches shared between sessions")[1]
    kinds = [policy.kind for policy in POLICY.values()]
    said = (f"{len(CACHED)} cached\nfunctions in `app.py`, `app_pages/` and `ui/` — {kinds.count('content')} keyed by "
            f"content, {kinds.count('global')} global by design")
    assert said in section, f"update docs/security.md: {said!r}"


@pytest.mark.parametrize("qualified", sorted(CACHED))
def test_declared_key_parameters_exist_and_are_hashed(qualified):
    policy = POLICY.get(qualified)
    if policy is None:
        pytest.fail(f"{qualified} is cached but not declared in POLICY")
    params = _params(CACHED[qualified])
    assert policy.kind in KINDS
    for name in policy.key:
        assert name in params, f"{qualified}: declared key parameter {name!r} is not a parameter of it"
        assert not name.startswith("_"), f"{qualified}: key parameter {name!r} starts with _ and is not hashed"
    if policy.kind in ("content", "owner"):
        assert policy.key, f"{qualified}: a {policy.kind}-keyed cache needs a hashed key parameter"
    hidden = [name for name in params if name.startswith("_")]
    if policy.kind == "global":
        assert not hidden, f"{qualified}: global by design, yet it takes unhashed {hidden} that may vary per user"
    for name in hidden:  # an unhashed argument must be tied to the hashed key at every call site
        assert any("{" + name + "}" in template for form in policy.ties for template in form), (
            f"{qualified}: unhashed {name!r} is tied to no key parameter in POLICY")
    assert not CACHED[qualified].args.vararg and not CACHED[qualified].args.kwarg, f"{qualified}: *args/**kwargs"


@pytest.mark.parametrize("qualified", sorted([*(q for q in POLICY if POLICY[q].ties), *WRAPPER_TIES]))
def test_every_call_site_passes_the_unhashed_argument_its_key_describes(qualified):
    assert call_sites(qualified), f"{qualified} is declared with ties but never called"
    failures = tie_failures(qualified)
    forms = " | ".join(" and ".join(form) for form in _ties_of(qualified))
    assert not failures, f"{qualified} called with arguments not satisfying {forms}:\n" + "\n".join(failures)


@pytest.mark.parametrize("qualified", sorted(q for q in POLICY if POLICY[q].ties is CURRENT))
def test_state_keyed_functions_read_only_what_their_key_holds(qualified):
    """`_current` is not hashed: reading `_current.granularity` (say) would serve one user's view
    of it to another whose key is the same. Only the key's attributes may be read."""
    read = {node.attr for node in ast.walk(CACHED[qualified])
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "_current"}
    assert read <= STATE_KEYED_ATTRIBUTES, f"{qualified} reads {sorted(read - STATE_KEYED_ATTRIBUTES)} of _current"


def test_a_call_that_breaks_the_tie_is_caught():
    """The checker itself: a call passing another workspace's key fails, the right one passes."""
    wrong = ast.parse("_tables(other.key, ws)").body[0].value
    right = ast.parse("_tables(ws.key, ws)").body[0].value
    definition = _definition("ui/data.py::_tables")
    for call, expected in ((wrong, False), (right, True)):
        given = _arguments(call, definition)
        assert all(_holds(_equation(t, given)) for t in WORKSPACE[0]) is expected
    page = ast.parse("report = data.report(other)\nrest = 1")
    assert not _bound(page, "report == data.report(current)")
    page = ast.parse("report = data.report(current) if current.as_of is not None else None")
    assert _bound(page, "report == data.report(current)")


# ── behaviour ────────────────────────────────────────────────────────────────────────────────

def _workspace(files: dict[str, bytes], mapping=None, **kwargs):
    from ui.choices import Workspace
    return Workspace("Acme", files, mapping or {}, **kwargs)


BILLING = b"customer_id,month,mrr\nc1,2026-01,100\nc2,2026-01,50\n"


def test_workspace_key_follows_the_content_not_the_name_or_the_store():
    from kpi.ingest.mapping import TableMapping

    mapping = {"billing.csv": TableMapping("mrr", {"customer_id": "customer_id", "month": "month", "mrr": "mrr"})}
    base = _workspace({"billing.csv": BILLING, "crm.csv": b"customer_id\nc1\n"}, mapping)
    same = _workspace({"crm.csv": b"customer_id\nc1\n", "billing.csv": BILLING}, dict(mapping), id=7, version=3)
    assert same.key == base.key  # same files and mapping, another order, name, id or version
    other_bytes = _workspace({"billing.csv": BILLING.replace(b"100", b"101"), "crm.csv": b"customer_id\nc1\n"},
                             mapping)
    renamed = _workspace({"billing2.csv": BILLING, "crm.csv": b"customer_id\nc1\n"}, mapping)
    fewer = _workspace({"billing.csv": BILLING}, mapping)
    unmapped = _workspace({"billing.csv": BILLING, "crm.csv": b"customer_id\nc1\n"})
    in_cents = _workspace({"billing.csv": BILLING, "crm.csv": b"customer_id\nc1\n"},
                          {"billing.csv": TableMapping("mrr", mapping["billing.csv"].columns,
                                                       options={"amount_unit": "cents"})})
    keys = [base.key, other_bytes.key, renamed.key, fewer.key, unmapped.key, in_cents.key]
    assert len(set(keys)) == len(keys), "two different workspaces share a cache key"
    assert base.digests["billing.csv"] == hashlib.sha256(BILLING).hexdigest()


def test_every_state_key_is_the_reports_key(monkeypatch):
    """The State-keyed views key on the same tuple data.report keys the report on."""
    from ui import alerts_view, data, engagement_view, ops_views, retention_charts, satisfaction_charts
    from ui.choices import State

    current = State(_workspace({"billing.csv": BILLING}), "2026-01", "quarter", (("plan", ("Pro",)),))
    expected = (current.workspace.key, current.as_of, current.filters, current.report_settings)
    for helper in (alerts_view._key, ops_views._key, engagement_view._key, retention_charts._key,
                   satisfaction_charts.scope):
        assert helper(current) == expected, helper
    assert current.report_settings.cohort_period == "quarter"  # the granularity is in the key

    calls = []
    monkeypatch.setattr(data, "_report", lambda *args: calls.append(args))
    data.report(current)
    data.report(current.workspace, "2026-01")
    assert calls[0][:4] == expected and calls[0][4] is current.workspace
    assert calls[1][0] == current.workspace.key and calls[1][4] is current.workspace


def test_sheets_are_read_under_their_own_content_hash(monkeypatch):
    from ui import data

    calls = []
    monkeypatch.setattr(data, "_sheets", lambda name, digest, raw: calls.append((name, digest, raw)) or [])
    data.sheets(_workspace({"billing.csv": BILLING, "crm.csv": b"customer_id\nc1\n"}))
    data.sheets_of_file("crm.csv", b"customer_id\nc2\n", hashlib.sha256(b"customer_id\nc2\n").hexdigest())
    assert len(calls) == 3
    assert all(digest == hashlib.sha256(raw).hexdigest() for _, digest, raw in calls)


def test_recognition_of_two_files_with_one_name_and_header_is_not_shared():
    """Same file name, same header, different values: amounts in cents in one, in euros in the
    other. Keyed by name and header, the second would have been served the first's proposal."""
    from ui import data, mapping_editor

    header = b"subscriptions.customer_id,subscriptions.plan_amount,subscriptions.started_at\n"
    cents = _workspace({"export.csv": header + b"c1,2900,2026-01-05\nc2,4900,2026-02-01\n"})
    euros = _workspace({"export.csv": header + b"c1,29.50,2026-01-05\nc2,49.90,2026-02-01\n"})
    first = mapping_editor.proposal(cents, data.sheets(cents)[0])
    second = mapping_editor.proposal(euros, data.sheets(euros)[0])
    assert first.table == second.table == "subscriptions"
    assert first.options.get("amount_unit") == "cents"
    assert second.options.get("amount_unit") is None
