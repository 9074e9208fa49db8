"""End to end under load: 20 browser sessions at once on one server, each with its own upload.

The work is done by benchmarks/load.py (`python -m benchmarks.load --sessions N` runs the same
by hand): session k uploads four customers `sKK-…` whose MRR is 300 + 10·k €, opens Overview
and Revenue, and downloads the MRR per customer. Here we assert what the issue asks: every
session sees its own numbers, no session sees another's customers, the run is bounded in count
and time (every step's wait is bounded; the server's CPU per session is bounded; the wall time,
which on a 2-core machine measures the 20 Chromium tabs and everything else the machine runs,
is printed, never asserted), the memory the server keeps per open session is at most 15 MiB
(issue 17: its RSS with children once all 20 sessions are done and their tabs still open, less its
RSS after the browser's first visits, over 20; docs/security.md#memory-per-session), and the server's
memory after the run is reported (printed, and kept in tests/output/load_sessions.txt; uploads,
downloads and screenshots of any stall in tests/output/load_sessions/).
"""

from __future__ import annotations

import os
import shutil

import pytest

from benchmarks import load
from kpi.store.workspaces import Store
from tests.e2e.conftest import OUTPUT, need_chromium, seeded_home

pytestmark = pytest.mark.e2e

SESSIONS = 20
STEP_TIMEOUT_MS = 200_000  # one step of one session (a page to draw) on a loaded 2-core machine
# The server's own work per session (CPU seconds: what other processes on a shared machine do not
# inflate, unlike the run's wall time, which here measures the 20 Chromium tabs on the same 2 cores
# and whatever else the machine runs). Measured 2.3–3.8 s a session; the wall time is bounded by
# STEP_TIMEOUT_MS per step and printed.
MAX_SERVER_CPU_PER_SESSION = 6.0
MAX_SETTLED_RSS = 1_500 * load.MB  # the server after the run (measured ≈330 MiB)
MAX_RETAINED_PER_SESSION = 15 * load.MB  # issue 17, the same goal as benchmarks/memory.py's


@pytest.fixture
def loaded_server(tmp_path):
    need_chromium()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    process, url = load.start_server(seeded_home(tmp_path / "home"), OUTPUT / f"server-load-{os.getpid()}.log")
    try:
        yield process, url, tmp_path / "home"
    finally:
        load.stop_server(process)


def test_twenty_concurrent_sessions_each_see_only_their_own_numbers(loaded_server):
    process, url, home = loaded_server
    files = OUTPUT / "load_sessions"  # uploads, downloads and screenshots of any stall, kept to look at
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)

    run = load.measure(url, process.pid, SESSIONS, files, timeout_ms=STEP_TIMEOUT_MS)
    summary = run.report()
    print("\n" + summary)
    (OUTPUT / "load_sessions.txt").write_text(summary + "\n", encoding="utf-8")

    assert process.poll() is None, "the server survived the run"
    assert len(run.results) == SESSIONS
    failed = [r for r in run.results if r.error]
    assert not failed, "\n".join(f"session {r.k}: {r.error}" for r in failed)
    for r in run.results:
        assert r.mrr_shown == load.expected_mrr_text(r.k), f"session {r.k} sees another MRR"
        assert r.caption.startswith(f"Load session {r.k:02d} · "), f"session {r.k} sees another workspace"
        assert r.csv_ids == load.own_ids(r.k), f"session {r.k}'s customer list is not its own"
        assert not r.foreign, f"session {r.k} saw other sessions' customers: {sorted(r.foreign)}"
    assert run.server_cpu / SESSIONS < MAX_SERVER_CPU_PER_SESSION, f"server CPU: {run.server_cpu:.1f} s"
    assert run.settled.rss < MAX_SETTLED_RSS, f"server memory after the run: {run.settled}"
    assert run.warm is not None and run.all_open is not None, "memory sampled with every session open"
    assert run.retained_per_session <= MAX_RETAINED_PER_SESSION, (
        f"the server keeps {run.retained_per_session / load.MB:.1f} MiB per open session")

    # what each session saved is its own file, byte for byte
    with Store(f"sqlite:///{home / 'workbench.db'}") as store:
        saved = {w.name: w.id for w in store.list_workspaces(None)}
        for k in range(1, SESSIONS + 1):
            stored = store.load(saved[f"Load session {k:02d}"], by=None)
            assert stored.files == {f"subscriptions_s{k:02d}.csv": load.subscriptions_csv(k)}
