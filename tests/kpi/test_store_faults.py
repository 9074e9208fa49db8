"""kpi.store.workspaces under faults, on SQLite and PostgreSQL: a save killed with SIGKILL at a random
point leaves the old state or the new one, whole, in a sound database; two processes saving
at once, 200 times each, lose nothing.

The saving processes fork from a multiprocessing fork server that has already imported the
store, so each starts in milliseconds and the kill lands in the save, not in the imports.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import random
import time
from collections import Counter
from multiprocessing.context import BaseContext

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from kpi.ingest.mapping import mapping_to_json, parse_mapping
from kpi.store.model import Conflict
from kpi.store.workspaces import Store
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
KILLED_SAVES = 50
CONCURRENT_SAVES = 200
BIG_FILE_BYTES = 4_000_000


def fork_context() -> BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kpi.store.workspaces", "kpi.ingest.mapping", "psycopg", "sqlalchemy.dialects.postgresql.psycopg",
                                    "sqlalchemy.dialects.sqlite.pysqlite", "tests.kpi.test_store_faults"])
    return context


def subscriptions_mapping(file: str, **options: object) -> str:
    spec = {"table": "subscriptions", "columns": {"customer_id": "Client", "start_date": "Debut", "amount": "Prix"}}
    return mapping_to_json(parse_mapping(json.dumps({file: {**spec, "options": options} if options else spec})))


@functools.lru_cache(maxsize=4)
def state(run: int) -> tuple[dict[str, bytes], str, str]:
    """What save number `run` writes: a 4 MB file, a small one, their mapping and settings —
    every item different from the run before. The big file is SHAKE-128 of the run number:
    as incompressible as random bytes (PostgreSQL's TOAST cannot shrink it), in a third of
    `random.randbytes`' CPU; each process computes a run's state once (the parent compares
    every load with the last two)."""
    small = f"small-{run % 3}.csv"
    files = {"big.bin": hashlib.shake_128(f"save {run}".encode()).digest(BIG_FILE_BYTES),
             small: f"Client,Debut,Prix\nA,2025-01-01,{run}\n".encode()}
    return files, subscriptions_mapping(small, run=run), json.dumps({"run": run, "gross_margin": 0.5 + run / 1000})


def _save(url: str, workspace_id: int, run: int, ready, go, done) -> None:  # in the child process
    store = Store(url, migrate=False)
    files, mapping_json, settings_json = state(run)
    store.version(workspace_id, by=None)  # connected
    ready.set()
    go.wait()
    store.save(workspace_id, files=files, mapping_json=mapping_json, settings_json=settings_json, by=None)
    done.set()


def save_in_child(context: BaseContext, url: str, workspace_id: int, run: int, kill_after: float | None) -> float:
    """Start save number `run` in a child; SIGKILL it `kill_after` seconds later (None: let it
    finish). Returns the seconds from the start of the save to its end, or to the kill."""
    ready, go, done = context.Event(), context.Event(), context.Event()
    child = context.Process(target=_save, args=(url, workspace_id, run, ready, go, done))
    child.start()
    assert ready.wait(30), "the saving process did not start"
    started = time.perf_counter()
    go.set()
    if kill_after is None:
        assert done.wait(60), "the save did not finish"
    else:
        time.sleep(kill_after)
        child.kill()
    child.join(30)
    elapsed = time.perf_counter() - started
    assert child.exitcode in (0, -9), child.exitcode
    return elapsed


def wait_for_postgres_to_drop(engine: Engine, application_name: str) -> None:
    """PostgreSQL finishes (or aborts) a killed client's statement on its own time: wait until its
    backend is gone, so the state we read is final."""
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                           {"name": application_name}).scalar():
            assert time.monotonic() < deadline, "the killed client's backend is still there"
            conn.rollback()
            time.sleep(0.01)


def integrity(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA integrity_check").scalar()


def test_a_save_killed_at_a_random_point_leaves_the_old_or_the_new_state(store_url):
    context = fork_context()
    postgres = store_url.startswith("postgresql")
    tag = "kpi-killed-save"
    child_url = make_url(store_url).update_query_dict({"application_name": tag}).render_as_string(
        hide_password=False) if postgres else store_url
    with Store(store_url) as store:
        workspace_id = store.create_workspace("Killed saves")
    save_in_child(context, child_url, workspace_id, 0, None)
    duration = save_in_child(context, child_url, workspace_id, 1, None)  # with the connection warm
    current, outcomes, rng = 1, Counter(), random.Random(20251125)

    # One reader for the whole sweep: on PostgreSQL a pooled connection, authenticated once (a
    # killed writer never shares it); on SQLite the file is opened anew after each kill, as a
    # restarted app would, so each read recovers what the killed writer left.
    with Store(store_url, migrate=False) as reader:
        for run in range(2, 2 + KILLED_SAVES):
            save_in_child(context, child_url, workspace_id, run, rng.uniform(0, 1.5 * duration))
            if postgres:
                wait_for_postgres_to_drop(reader.engine, tag)
            loaded = reader.load(workspace_id, by=None)
            found = (loaded.files, loaded.mapping_json, loaded.settings_json)
            if found == state(current):
                outcomes["old"] += 1
            elif found == state(run):
                outcomes["new"] += 1
                current = run
            else:
                pytest.fail(f"after killed save {run}: a state that is neither save {current}'s nor save {run}'s "
                            f"(files {sorted(loaded.files)}, settings {loaded.settings_json})")
            if not postgres:
                assert integrity(reader.engine) == "ok", f"after killed save {run}"
                reader.engine.dispose()
    print(f"\n{KILLED_SAVES} killed saves ({duration * 1000:.0f} ms each uninterrupted): {dict(outcomes)}")
    assert outcomes["old"] and outcomes["new"], "the kills should land both before and after commits"


def _write_concurrently(url: str, workspaces: tuple[int, int], tag: str, barrier, results) -> None:  # in a child
    store = Store(url, migrate=False)
    distinct, contended = workspaces
    log: dict[str, list] = {"contended": [], "conflicts": [], "last_writer": []}

    # 1. Different items of one workspace: each process its own files, and A the mapping while B
    #    the settings. Each bases its saves on its own last version, never reloading: no conflict.
    barrier.wait()
    base = store.version(distinct, by=None)
    for k in range(CONCURRENT_SAVES):
        base = store.add_file(distinct, f"{tag}-{k}.csv", f"{tag},{k}\n".encode(), base_version=base, by=None)
        if tag == "a":
            base = store.save_mapping(distinct, subscriptions_mapping(f"{tag}-{k}.csv", k=k), base_version=base,
                                      by=None)
        else:
            base = store.save_settings(distinct, json.dumps({"writer": tag, "k": k}), base_version=base, by=None)

    # 2. The same item, saved against the version last seen: a save that would overwrite a change
    #    it has not seen is a Conflict; then the process "reloads" and goes on. The short pauses
    #    let the other process in (SQLite's lock favours whoever just had it).
    barrier.wait()
    base = store.version(contended, by=None)
    pause = random.Random(tag)
    for k in range(CONCURRENT_SAVES):
        time.sleep(pause.uniform(0, 0.002))
        try:
            version = store.add_file(contended, "shared.csv", f"{tag},{k}\n".encode(), base_version=base, by=None)
        except Conflict as conflict:
            log["conflicts"].append((k, conflict.base_version, conflict.current_version))
            base = store.version(contended, by=None)
            continue
        log["contended"].append((k, base, version))
        base = version

    # 3. The same item without a base version: last writer wins, nobody is told.
    barrier.wait()
    for k in range(CONCURRENT_SAVES):
        log["last_writer"].append((k, store.add_file(contended, "last.csv", f"{tag},{k}\n".encode(), by=None)))
    results.put((tag, log))


def test_two_processes_saving_at_once_lose_nothing(store_url):
    context = fork_context()
    with Store(store_url) as store:
        distinct = store.create_workspace("Different items")
        contended = store.create_workspace("Same item")
    barrier, results = context.Barrier(2), context.Queue()
    writers = [context.Process(target=_write_concurrently, args=(store_url, (distinct, contended), tag, barrier,
                                                                 results)) for tag in "ab"]
    started = time.perf_counter()
    for writer in writers:
        writer.start()
    logs = dict(results.get(timeout=300) for _ in writers)
    for writer in writers:
        writer.join(30)
        assert writer.exitcode == 0
    elapsed = time.perf_counter() - started

    with Store(store_url) as store:
        # 1. Every distinct item is there; the mapping is A's last, the settings B's last.
        loaded = store.load(distinct, by=None)
        assert loaded.files == {f"{tag}-{k}.csv": f"{tag},{k}\n".encode() for tag in "ab"
                                for k in range(CONCURRENT_SAVES)}
        assert loaded.mapping_json == subscriptions_mapping(f"a-{CONCURRENT_SAVES - 1}.csv", k=CONCURRENT_SAVES - 1)
        assert json.loads(loaded.settings_json) == {"writer": "b", "k": CONCURRENT_SAVES - 1}
        assert loaded.version == 1 + 2 * 2 * CONCURRENT_SAVES  # every save counted once

        # 2. Every save of the shared item either conflicted or was based on the latest save
        #    before it: no save overwrote one it had not seen.
        saves = sorted((version, base, tag, k) for tag, log in logs.items() for k, base, version in log["contended"])
        conflicts = sum(len(log["conflicts"]) for log in logs.values())
        assert len(saves) + conflicts == 2 * CONCURRENT_SAVES
        assert len({version for version, *_ in saves}) == len(saves)
        for (before, *_), (version, base, tag, k) in zip(saves, saves[1:], strict=False):
            assert base >= before, f"{tag}'s save {k} (version {version}) overwrote version {before} unseen"
        for log in logs.values():
            versions = [version for _, _, version in log["contended"]]
            assert versions == sorted(versions)
        last_version, _, tag, k = saves[-1]
        loaded = store.load(contended, by=None)
        assert loaded.files["shared.csv"] == f"{tag},{k}\n".encode()

        # 3. Last writer wins: the final bytes are those of the save with the highest version.
        plain = sorted((version, tag, k) for tag, log in logs.items() for k, version in log["last_writer"])
        assert len({version for version, *_ in plain}) == len(plain) == 2 * CONCURRENT_SAVES
        _, tag, k = plain[-1]
        assert loaded.files["last.csv"] == f"{tag},{k}\n".encode()
        assert loaded.version == 1 + len(saves) + len(plain)
        if store_url.startswith("sqlite"):
            assert integrity(store.engine) == "ok"
    print(f"\n2 × {3 * CONCURRENT_SAVES} concurrent saves in {elapsed:.1f} s; "
          f"{conflicts} conflicts on the shared item out of {2 * CONCURRENT_SAVES}")
