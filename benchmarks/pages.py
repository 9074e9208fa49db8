"""Page speed: every page's rerun after a segment-filter change, on the demo and on 100k customers.

Runs every page registered in app.py under Streamlit's AppTest (the real script, the real
caches) and prints, per page, in milliseconds:

- **first visit**: the page's first run once the app is open (it opened on Overview, so the
  workspace's tables and its unfiltered report are already cached; for Overview itself this is
  its second run);
- **rerun**: a plain rerun, nothing changed (caches are keyed by content: nothing recomputes);
- **filter change**: the rerun right after the founder picks a segment filter on that page, and
  the CPU time this process spent in it (wall-clock times on a shared machine swing with other
  people's work; CPU time much less).

Every page starts from empty caches (cleared before it, then refilled by opening the app
unfiltered), so each page's filter change pays what a founder pays for a filter never looked at
before — filtering the tables, the filtered report, and the page's own views — and not a report
cached by the page measured before it. A page over the goal (300 ms) is flagged and listed at the
end. A benchmark to run by hand: nothing asserts a time.

    python -m benchmarks.pages                          # demo and 100k customers
    python -m benchmarks.pages demo
    python -m benchmarks.pages 100k
    python -m benchmarks.pages --customers 2000 --pages overview revenue
    python -m benchmarks.pages 100k --before ../before   # that checkout first, then this one, side by side

With `--before DIR` (a checkout of an earlier commit, e.g. `git worktree add ../before main`),
the same benchmark runs first in DIR, in a process of its own, then here; a last table sets each
page's filter change before and after side by side (wall / CPU ms), with the CPU ratio after ÷ before.

The table goes to stdout; Streamlit's bare-mode warnings ("missing ScriptRunContext") go to
stderr (`2>/dev/null` hides them).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from benchmarks.engine import synthetic_subscriptions
from kpi.ingest.mapping import TableMapping
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[1]
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text())
GOAL_MS = 300.0


@dataclass(frozen=True)
class PageTimes:
    """One page's three runs, in milliseconds."""

    page: str  # the script's name, e.g. "overview.py"
    first: float
    rerun: float
    filter_change: float
    filter_change_cpu: float  # this process's CPU time of the same run: what a busy machine inflates least

    @property
    def over_goal(self) -> bool:
        return self.filter_change > GOAL_MS


def big_workspace(customers: int = 100_000) -> tuple[Workspace, str, list[str]]:
    """Synthetic subscriptions and a customers table with a segment (SMB 70 %, Mid-Market 20 %,
    Enterprise 10 %), as CSV files; the filter picked is SMB, the largest segment."""
    subscriptions = synthetic_subscriptions(customers)
    rng = np.random.default_rng(3)
    ids = subscriptions["customer_id"].drop_duplicates()
    segments = pd.DataFrame({"customer_id": ids, "segment": rng.choice(["SMB", "Mid-Market", "Enterprise"], len(ids),
                                                                      p=[0.7, 0.2, 0.1])})
    files = {"subscriptions.csv": subscriptions.to_csv(index=False).encode(),
             "customers.csv": segments.to_csv(index=False).encode()}
    mapping = {"subscriptions.csv": TableMapping("subscriptions", {
        "customer_id": "customer_id", "start_date": "start_date", "end_date": "end_date", "amount": "amount",
        "interval": "interval"}), "customers.csv": TableMapping("customers", {"customer_id": "customer_id",
                                                                           "segment": "segment"})}
    return Workspace(f"{customers:,} customers", files, mapping), "segment", ["SMB"]


def timed(app: AppTest) -> tuple[float, float]:
    """Milliseconds of one script run, wall clock and this process's CPU; a page that raised
    stops the benchmark."""
    started, cpu = time.perf_counter(), time.process_time()
    app.run(timeout=600)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if app.exception:
        raise RuntimeError(app.exception[0].message)
    return elapsed * 1000, cpu * 1000


def measure_page(page: str, workspace: Workspace | None, attribute: str, values: list[str]) -> PageTimes:
    """Open the app unfiltered on empty caches, go to `page`, rerun it, then pick the filter."""
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    app.run(timeout=600)
    if app.exception:
        raise RuntimeError(app.exception[0].message)
    app.switch_page(page)
    first, _ = timed(app)
    rerun, _ = timed(app)
    app.session_state[f"filter::{attribute}"] = values
    changed, changed_cpu = timed(app)
    return PageTimes(page.removeprefix("app_pages/"), first, rerun, changed, changed_cpu)


def measure(label: str, workspace: Workspace | None, attribute: str, values: list[str],
            pages: list[str] = PAGES) -> list[PageTimes]:
    """Print and return every page's times, then the pages whose filter change is over the goal."""
    print(f"\n{label} — filter: {attribute} = {', '.join(values)}", flush=True)
    print(f"{'page':<24} {'first visit':>12} {'rerun':>9} {'filter change':>14} {'(its CPU)':>10}", flush=True)
    results = []
    for page in pages:
        times = measure_page(page, workspace, attribute, values)
        flag = f"  over {GOAL_MS:.0f} ms" if times.over_goal else ""
        print(f"{times.page:<24} {times.first:>10.0f}ms {times.rerun:>7.0f}ms {times.filter_change:>12.0f}ms "
              f"{times.filter_change_cpu:>8.0f}ms{flag}",
              flush=True)
        results.append(times)
    over = [t.page for t in results if t.over_goal]
    print(f"over {GOAL_MS:.0f} ms after a filter change: {', '.join(over) if over else 'none'}", flush=True)
    return results


ROW = re.compile(r"^(?P<page>[a-z_]+\.py) +\d+ms +\d+ms +(?P<wall>\d+)ms +(?P<cpu>\d+)ms")


def measure_before(directory: str, argv: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """Run this benchmark with `argv` in the checkout `directory` (its own code, in a process of its
    own), echo its output, and return {case title: {page: (wall, CPU) of the filter change}}."""
    run = subprocess.run([sys.executable, "-m", "benchmarks.pages", *argv], cwd=directory, capture_output=True,
                         text=True, check=True)
    print(f"── before: {directory}", flush=True)
    print(run.stdout, end="", flush=True)
    cases: dict[str, dict[str, tuple[float, float]]] = {}
    title = ""
    for line in run.stdout.splitlines():
        if " — filter: " in line:
            title = line
            cases[title] = {}
        elif (row := ROW.match(line)) is not None:
            cases[title][row["page"]] = (float(row["wall"]), float(row["cpu"]))
    return cases


def side_by_side(title: str, before: dict[str, tuple[float, float]], after: list[PageTimes]) -> None:
    """Each page's filter change before and after, wall / CPU ms, and the CPU ratio after ÷ before."""
    print(f"\n{title} — filter change, before → after (wall / CPU ms)", flush=True)
    for times in after:
        wall, cpu = before.get(times.page, (float("nan"), float("nan")))
        ratio = times.filter_change_cpu / cpu if cpu else float("nan")
        print(f"{times.page:<24} {wall:>6.0f} / {cpu:<6.0f} → {times.filter_change:>6.0f} / "
              f"{times.filter_change_cpu:<6.0f} CPU ×{ratio:.2f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages", description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=[], metavar="demo|100k",
                        help="the demo company, the 100k-customer workspace (default: both)")
    parser.add_argument("--customers", type=int, help="a synthetic workspace of this many customers instead")
    parser.add_argument("--pages", nargs="+", metavar="PAGE", help="only these pages (overview, revenue…)")
    parser.add_argument("--before", metavar="DIR", help="first run the same benchmark in this checkout, then compare")
    args = parser.parse_args(argv)
    if set(args.which) - {"demo", "100k"}:
        parser.error(f"expected demo or 100k, got: {' '.join(args.which)}")
    pages = PAGES
    if args.pages:
        wanted = {name.removesuffix(".py") for name in args.pages}
        pages = [page for page in PAGES if Path(page).stem in wanted]
        unknown = wanted - {Path(page).stem for page in PAGES}
        if unknown:
            parser.error(f"unknown page(s): {', '.join(sorted(unknown))}; pages: "
                         f"{', '.join(Path(page).stem for page in PAGES)}")
    before = None
    if args.before:
        same = [*args.which, *(["--customers", str(args.customers)] if args.customers else []),
                *(["--pages", *args.pages] if args.pages else [])]
        before = measure_before(args.before, same)
        print("── after: this checkout", flush=True)
    cases = []
    if args.customers:
        workspace, attribute, values = big_workspace(args.customers)
        cases.append((f"Synthetic: {args.customers:,} customers", workspace, attribute, values))
    else:
        which = args.which or ["demo", "100k"]
        if "demo" in which:
            cases.append(("Demo company (758 customers, 36 months)", None, "segment", ["SMB"]))
        if "100k" in which:
            cases.append(("Synthetic: 100,000 customers", *big_workspace()))
    results = [(f"{label} — filter: {attribute} = {', '.join(values)}", measure(label, workspace, attribute, values,
                                                                                pages))
               for label, workspace, attribute, values in cases]
    for title, after in results if before is not None else ():
        side_by_side(title, before.get(title, {}), after)


if __name__ == "__main__":
    main()
