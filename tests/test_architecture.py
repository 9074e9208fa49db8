"""The house rules, checked: rooms that import only what their docstring allows, no import cycle,
no module over 600 lines, and a repository that stands on its own (no path of a build machine,
nothing outside the clone)."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600
CODE_DIRS = ("kpi", "ui", "app_pages")

# What each room of the engine may import from the project (besides itself and the standard library
# or third-party packages). `kpi.errors`, `kpi.formatting`, `kpi.ids` and `kpi.text` are the shared
# vocabulary every room may use.
SHARED = {"kpi.errors", "kpi.formatting", "kpi.ids", "kpi.text"}
MAY_IMPORT = {
    "kpi.ingest": {"kpi.ingest"},
    "kpi.metrics": {"kpi.metrics", "kpi.ingest.schema", "kpi.ingest.vocabulary", "kpi.ingest.ledgers"},
    "kpi.report": {"kpi.report", "kpi.metrics", "kpi.ingest"},
    "kpi.exports": {"kpi.exports", "kpi.report", "kpi.metrics"},
    "kpi.store": {"kpi.store", "kpi.ingest", "kpi.demo"},
    "kpi.demo": {"kpi.ingest"},
    "kpi.__main__": {"kpi"},
    "kpi.hosted_alerts": {"kpi"},  # the CLI's alerts of stored workspaces: every room, like kpi/__main__.py
}


def python_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in CODE_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The project modules `path` imports (`from kpi.metrics import revenue` → kpi.metrics.revenue).

    With `top_level_only`, imports inside functions and `if TYPE_CHECKING:` blocks are left out:
    those never run while the module itself is being imported, so they cannot close a cycle."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    known = {module_name(p) for p in python_files()}
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in known else node.module)
    return {name for name in found if name.split(".")[0] in {"kpi", "ui", "app_pages"}}


def test_no_module_is_longer_than_600_lines():
    modules = python_files() + sorted((ROOT / "data").glob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))
    long = {str(p.relative_to(ROOT)): n for p in modules
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules: {long}"


DEPRECATED_STREAMLIT = ("use_container_width",)  # Streamlit warns at every call and will remove it: width="stretch"


def test_no_streamlit_call_uses_a_deprecated_argument():
    used = {f"{p.relative_to(ROOT)}:{n}": name for p in python_files()
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            for name in DEPRECATED_STREAMLIT if re.search(rf"\b{name}\s*=", line)}
    assert not used, f"deprecated Streamlit arguments: {used}"


def test_the_engine_never_imports_streamlit_or_the_ui():
    for path in (ROOT / "kpi").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"streamlit", "ui", "app_pages"}, f"{path} imports {name}"


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_each_room_imports_only_what_it_may(room):
    allowed = MAY_IMPORT[room] | SHARED
    for path in python_files():
        name = module_name(path)
        if not (name == room or name.startswith(room + ".")):
            continue
        for imported in project_imports(path, top_level_only=False):
            ok = imported == "kpi" and room == "kpi.__main__" or any(
                imported == a or imported.startswith(a + ".") for a in allowed)
            assert ok, f"{name} imports {imported}; {room} may import {sorted(allowed)}"


def test_every_package_says_what_it_owns_and_what_it_may_import():
    for init in sorted((ROOT / "kpi").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc) > 200 and "May import" in doc, f"{init.relative_to(ROOT)} needs a docstring with 'May import'"


def test_no_import_cycle():
    graph = {module_name(p): project_imports(p, top_level_only=True) for p in python_files()}
    # `from kpi.ingest import io` imports the package first: a package depends on its __init__
    for name in list(graph):
        graph[name] = {dep for dep in graph[name] if dep != name}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError(f"import cycle: {' → '.join(cycle)}")
            if dep in graph and dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


# A path of the machine a file was written on, or the team's folder beside the clone: neither
# exists on a user's machine. (/usr/bin/chromium and the like are system paths, not these.)
MACHINE_PATH = re.compile(r"\.\./shared\b|(?<![\w.~-])/(?:work|root|home|Users)/[\w.-]+|[A-Z]:\\Users\\")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_names_the_team_folder_or_a_machine_path():
    offenders = []
    for path in tracked_files():
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8000]:  # binary: workbooks, parquet, images
            continue
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offenders, "\n".join(offenders)


def test_the_machine_path_check_catches_what_it_is_for():
    team = "..", "shared"  # written apart, so this file does not name them itself
    assert MACHINE_PATH.search(f"see {'/'.join(team)}/KPI_DEFINITIONS.md")
    assert MACHINE_PATH.search(f'RETAIL = Path("/{"work"}/shared/data/online_retail.parquet")')
    assert MACHINE_PATH.search(f"/{'home'}/alice/data.csv") and MACHINE_PATH.search("C:" + "\\Users\\bob\\x.csv")
    assert not MACHINE_PATH.search("/usr/bin/chromium --headless") and not MACHINE_PATH.search("tests/fixtures/x.csv")
