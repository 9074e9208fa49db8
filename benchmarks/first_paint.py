"""Cold start: seconds from `streamlit run app.py` to the first Overview card in Chromium.

    python -m benchmarks.first_paint            # 3 runs
    python -m benchmarks.first_paint --runs 5

Each run starts the server twice: a first start on a fresh home (empty database, nothing kept),
then a restart on that same home (as a founder who closes and reopens the app). Each start is a
new server process (new Python, empty in-memory caches) on a free loopback port; an
already-launched headless Chromium opens it as soon as it answers its health check. Prints, per
start: when the server answered, when the first KPI card (`stMetric`) was drawn and when all the
Overview's cards were, all counted from the server's launch, and the CPU seconds the server
used until the first card (a figure other processes on a shared machine do not inflate). docs/performance.md keeps the
figures and what they were before and after each change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS, cpu_seconds, free_port, stop_server

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ColdStart:
    healthy: float  # seconds from launch to the health check answering
    first_card: float  # … to the first stMetric drawn
    all_cards: float  # … to the 14 Overview cards drawn
    server_cpu: float  # CPU seconds the server used up to the first card: what load on the machine does not change


def _launch(home: Path, log: Path):
    port = free_port()
    env = {**os.environ, "KPI_WORKBENCH_HOME": str(home)}
    env.pop("KPI_DATABASE_URL", None)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", os.environ.get("H4_APP", "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env,
        )
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(url: str, started: float, timeout: float = 90) -> float:
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not answer on {url} within {timeout:.0f} s")


def cold_start(browser, home: Path, cards: int = 14) -> ColdStart:
    """One cold start: a new server on `home`, a new browser page, timed from the server's launch."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    started = time.perf_counter()
    process, url = _launch(home, home.parent / "server.log")
    try:
        healthy = _wait_healthy(url, started)
        page.goto(url)
        page.get_by_test_id("stMetric").first.wait_for(timeout=90_000)
        first_card = time.perf_counter() - started
        server_cpu = cpu_seconds(process.pid)
        page.wait_for_function(f"document.querySelectorAll('[data-testid=stMetric]').length >= {cards}",
                               timeout=90_000)
        all_cards = time.perf_counter() - started
        return ColdStart(healthy, first_card, all_cards, server_cpu)
    finally:
        context.close()
        stop_server(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, list[ColdStart]] = {"first start": [], "restart": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for run in range(1, args.runs + 1):
                with tempfile.TemporaryDirectory(prefix="kpi-first-paint-") as folder:
                    for kind in results:
                        result = cold_start(browser, Path(folder) / "home")
                        results[kind].append(result)
                        print(f"run {run}, {kind:<11}: server healthy {result.healthy:5.2f} s · first card "
                              f"{result.first_card:5.2f} s · all 14 cards {result.all_cards:5.2f} s · server CPU "
                              f"{result.server_cpu:5.2f} s", flush=True)
        finally:
            browser.close()
    for kind, timings in results.items():
        print(f"median, {kind:<11}: first card {statistics.median(r.first_card for r in timings):.2f} s · "
              f"all cards {statistics.median(r.all_cards for r in timings):.2f} s · server CPU "
              f"{statistics.median(r.server_cpu for r in timings):.2f} s")


if __name__ == "__main__":
    main()
