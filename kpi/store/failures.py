"""When the disk fails under a write: the database's errors said in one plain sentence.

A write that the disk refuses — full (ENOSPC; SQLite's "database or disk is full", PostgreSQL's
SQLSTATE 53100) or failing (EIO; SQLite's "disk I/O error", PostgreSQL's 58030) — raises
`StoreError`, an `InputError` with a stable `code` ("disk-full" or "disk-error") and a sentence
that starts "not saved:". The transaction was rolled back, so what was saved before is unchanged,
and the next save starts afresh (docs/security.md, "Crashes and I/O errors during a save").

SQLite says "disk is full" when a write fails with ENOSPC, but reports a failed fsync as one
I/O error whatever its cause (its errno does not reach Python): such an error counts as a full
disk when the disk has under 1 MB free, else as a failing one — whose sentence says it may be full.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from kpi.errors import InputError

DISK_FULL = ("not saved: the disk is full. Free some space on the server's disk (or ask whoever runs it), "
             "then save again; what was saved before is unchanged.")
DISK_ERROR = ("not saved: the disk could not be written (an input/output error: it may be full or failing). "
              "Save again; if it happens again, ask whoever runs the server to check its disk. What was saved "
              "before is unchanged.")
NEARLY_FULL_BYTES = 1_000_000
SQLITE_FULL, SQLITE_IOERR = 13, 10  # primary result codes (the low byte of an extended one)
POSTGRES_DISK_FULL, POSTGRES_IO_ERROR = "53100", "58030"


class StoreError(InputError):
    """The database could not write this change (`code` "disk-full" or "disk-error"); nothing
    of it was written. Pages show `message` with st.error."""


def disk_failure(error: BaseException, database: str | None = None) -> StoreError | None:
    """The StoreError for a database error caused by the disk, else None (any other error is a bug
    or a conflict, and stays what it is).

    `error` is the DB-API exception (sqlite3 or psycopg); `database` the SQLite file's path, for
    the free-space check."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(error, sqlite3.Error) and code is not None:
        if code & 0xFF == SQLITE_FULL:
            return StoreError(DISK_FULL, code="disk-full")
        if code & 0xFF == SQLITE_IOERR:
            full = _nearly_full(database)
            return StoreError(DISK_FULL, code="disk-full") if full else StoreError(DISK_ERROR, code="disk-error")
        return None
    state = getattr(error, "sqlstate", None)
    if state == POSTGRES_DISK_FULL:
        return StoreError(DISK_FULL, code="disk-full")
    if state == POSTGRES_IO_ERROR:
        return StoreError(DISK_ERROR, code="disk-error")
    return None


@contextmanager
def translated(url: URL) -> Iterator[None]:
    """Run a transaction; a disk failure inside it leaves as a StoreError (see `disk_failure`)."""
    database = url.database if url.get_backend_name() == "sqlite" else None
    try:
        yield
    except DBAPIError as error:
        failure = disk_failure(error.orig, database)
        if failure is None:
            raise
        raise failure from error
    except sqlite3.Error as error:  # raised by the driver outside a statement (a commit, a rollback)
        failure = disk_failure(error, database)
        if failure is None:
            raise
        raise failure from error


def _nearly_full(database: str | None) -> bool:
    if not database or database == ":memory:":
        return False
    try:
        return shutil.disk_usage(Path(database).expanduser().parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False
