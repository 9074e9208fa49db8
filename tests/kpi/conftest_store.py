"""Fixtures of the store tests (imported by tests/kpi/test_store*.py): every test that takes
`store_url` runs once on a SQLite file and once on a real PostgreSQL server.

The server is `KPI_TEST_POSTGRES_URL` when set (CI starts one with .ci/postgres.sh), else one
this test run starts with .ci/postgres.sh when PostgreSQL is installed (initdb on PATH or under
/usr/lib/postgresql), stopped when the run ends. Without either, the PostgreSQL half is skipped
with a message — or fails, in CI (`CI` set), where it must run. Each test gets its own schema,
dropped afterwards.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kpi.store.workspaces import Store

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_SCRIPT = ROOT / ".ci" / "postgres.sh"
BACKENDS = ["sqlite", "postgresql"]


def postgres_installed() -> bool:
    return shutil.which("initdb") is not None or any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


@functools.cache
def postgres_server() -> str | None:
    """The test server's URL: KPI_TEST_POSTGRES_URL, else a server started once for this test
    run (stopped at exit), else None."""
    url = os.environ.get("KPI_TEST_POSTGRES_URL")
    if url:
        return url
    if not postgres_installed():
        return None
    started = subprocess.run(["bash", str(POSTGRES_SCRIPT), "start"], capture_output=True, text=True, timeout=180,
                             env={**os.environ, "KPI_PG_NO_INSTALL": "1"})
    if started.returncode != 0:
        raise RuntimeError(f".ci/postgres.sh start failed:\n{started.stderr}")
    exported = {}
    for line in started.stdout.splitlines():
        if line.startswith("export "):
            key, value = line.removeprefix("export ").split("=", 1)
            exported[key] = value.strip("'")
    atexit.register(subprocess.run, ["bash", str(POSTGRES_SCRIPT), "stop", exported["KPI_TEST_POSTGRES_DIR"]],
                    capture_output=True, timeout=60)
    return exported["KPI_TEST_POSTGRES_URL"]


def require_postgres() -> str:
    url = postgres_server()
    if url is None:
        message = ("PostgreSQL is not available: install Debian's postgresql package (initdb), or set "
                   "KPI_TEST_POSTGRES_URL to a server (bash .ci/postgres.sh start prints one)")
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the store tests on PostgreSQL", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workbench.db'}"
        return
    server = require_postgres()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(server).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened
