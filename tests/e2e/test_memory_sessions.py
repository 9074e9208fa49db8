"""Memory per session, the part of issue 17's figures the suite can afford.

benchmarks/memory.py (`python -m benchmarks.memory --concurrent 50 --sequential 1000`) gives the
whole figures in docs/security.md#memory-per-session. Here, on a fresh server: 80 sessions one
after the other, each opened, given its own small subscriptions file and closed, by the
benchmark's client that speaks Streamlit's protocol (websocket, BackMsg / ForwardMsg, the file
uploader's HTTP upload) — about 0.65 CPU-seconds of the server's a session, where a Chromium tab
costs about 3. Every session must see its own file on the Upload page (its name, its number of
rows, recognised as subscriptions) and no other; the server's RSS with its children, sampled
every 2 sessions, must grow by at most 0.1 MiB a session (least squares after 20 sessions of
warm-up). Before the fix in ui/data.py (`shared_files`) it grew 4.85 MiB a session: each session
kept its own copy of the demo's files. The retained memory of concurrent sessions is asserted by
tests/e2e/test_load_sessions.py on its 20 sessions. Figures printed and kept in
tests/output/memory_sessions.txt.
"""

from __future__ import annotations

import os

import pytest

from benchmarks import load, memory
from tests.e2e.conftest import OUTPUT, seeded_home

pytestmark = pytest.mark.e2e

SESSIONS = 80
WARM_UP = 20
EVERY = 2


@pytest.fixture
def fresh_server(tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    process, url = load.start_server(seeded_home(tmp_path / "home"), OUTPUT / f"server-memory-{os.getpid()}.log")
    try:
        yield process, url
    finally:
        load.stop_server(process)


def test_sequential_sessions_see_their_own_upload_and_leave_no_memory_behind(fresh_server):
    process, url = fresh_server
    run = memory.run_sequential(url, process.pid, SESSIONS, every=EVERY, warm_up=WARM_UP)
    summary = memory.table(run.rows())
    print("\n" + summary)
    (OUTPUT / "memory_sessions.txt").write_text(summary + "\n", encoding="utf-8")

    assert process.poll() is None, "the server survived the run"
    wrong = [r for r in run.results if not r.ok]
    assert not wrong, "\n".join(f"session {r.k}: {r}" for r in wrong[:5])
    assert [r.k for r in run.results] == list(range(SESSIONS))
    assert len([x for x, _ in run.samples if x >= WARM_UP]) >= 25, "enough samples for the slope"
    assert run.slope <= memory.MAX_SLOPE_PER_SESSION, f"RSS grows {run.slope / load.MB:.3f} MiB a session"


def test_the_slope_is_the_least_squares_one():
    assert memory.slope([(0, 10), (1, 12), (2, 14)]) == pytest.approx(2.0)
    assert memory.slope([(0, 5), (10, 5), (20, 5)]) == 0
    # noise around a flat line does not make a slope: (0,1) (1,−1) (2,1) (3,−1) → −0.4
    assert memory.slope([(0, 1), (1, -1), (2, 1), (3, -1)]) == pytest.approx(-0.4)
    with pytest.raises(ValueError):
        memory.slope([(0, 1)])


def test_each_session_uploads_a_file_of_its_own():
    for k in (0, 1, 6, 7, 999):
        lines = memory.upload_csv(k).decode().splitlines()
        assert len(lines) - 1 == memory.upload_rows(k)
        assert all(line.startswith(f"m{k:04d}-") for line in lines[1:])
    assert len({memory.upload_rows(k) for k in range(7)}) == 7
