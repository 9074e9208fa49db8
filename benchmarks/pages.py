"""Page speed: the time of a page rerun after a segment-filter change, on the demo and on 100k customers.

Runs every page registered in app.py under Streamlit's AppTest (the real script, the real
caches) and prints, per page: the first run, a plain rerun, and a rerun right after a filter
change (a new filter means a new report: filtering the tables and building the report, then
drawing). Caches are keyed by content, so a rerun without change must not recompute.

    python -m benchmarks.pages              # demo and 100k customers
    python -m benchmarks.pages demo
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from benchmarks.engine import synthetic_subscriptions
from kpi.ingest.mapping import TableMapping
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[1]
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text())


def big_workspace(customers: int = 100_000) -> tuple[Workspace, str, list[str]]:
    """Synthetic subscriptions and a customers table with a segment, as CSV files."""
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
    return Workspace(f"{customers:,} customers", files, mapping), "segment", ["SMB", "Enterprise"]


def timed(app: AppTest) -> float:
    started = time.perf_counter()
    app.run(timeout=600)
    elapsed = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(app.exception[0].message)
    return elapsed


def measure(label: str, workspace: Workspace | None, attribute: str, values: list[str]) -> None:
    print(f"\n{label}")
    print(f"{'page':<28} {'first run':>10} {'rerun':>9} {'filter change':>14}")
    for page in PAGES:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        if workspace is not None:
            app.session_state["workspace"] = workspace
        app.run(timeout=600)
        app.switch_page(page)
        first = timed(app)
        rerun = timed(app)
        app.session_state[f"filter::{attribute}"] = values[:1]
        changed = timed(app)
        print(f"{page.removeprefix('app_pages/'):<28} {first * 1000:>8.0f}ms {rerun * 1000:>7.0f}ms {changed * 1000:>12.0f}ms")


def main() -> None:
    which = sys.argv[1:] or ["demo", "100k"]
    if "demo" in which:
        measure("Demo company (758 customers, 36 months)", None, "segment", ["SMB"])
    if "100k" in which:
        workspace, attribute, values = big_workspace()
        measure("Synthetic: 100,000 customers", workspace, attribute, values)


if __name__ == "__main__":
    main()
