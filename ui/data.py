"""The one place where data is read, mapped and reported, with caching.

Caches are keyed by content hashes (file bytes, mapping), never by object identity, and
bounded (`max_entries`, `ttl`) so memory stays flat. Two sessions share a cached object only
when their inputs are byte-for-byte the same, so one user's data is never served to another.
"""

from __future__ import annotations

import streamlit as st

from kpi.io import Sheet, read_bytes
from kpi.mapping import Tables, build_tables
from kpi.report import Report, build_report
from ui.state import Workspace


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _sheets(name: str, digest: str, _data: bytes) -> list[Sheet]:  # keyed by name + content hash
    return read_bytes(name, _data)


def sheets(ws: Workspace) -> list[Sheet]:
    """Every sheet of every file of the workspace (raises InputError for an unreadable file)."""
    digests = ws.digests
    return [sheet for name, data in ws.files.items() for sheet in _sheets(name, digests[name], data)]


def sheets_of_file(name: str, data: bytes, digest: str) -> list[Sheet]:
    return _sheets(name, digest, data)


@st.cache_data(max_entries=16, ttl=3600, show_spinner="Reading and checking the files…")
def _tables(key: str, _ws: Workspace) -> Tables:  # key: content hash of files + mapping
    return build_tables(sheets(_ws), _ws.mapping)


def tables(ws: Workspace) -> Tables:
    return _tables(ws.key, ws)


@st.cache_data(max_entries=32, ttl=3600, show_spinner="Computing KPIs…")
def _report(key: str, as_of: str | None, _ws: Workspace) -> Report:
    return build_report(tables(_ws), as_of)


def report(ws: Workspace, as_of: str | None = None) -> Report:
    """The workspace's report for `as_of` (default: the latest month with data)."""
    return _report(ws.key, as_of, ws)
