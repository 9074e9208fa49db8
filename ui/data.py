"""The one place where data is loaded and cached.

Caches are keyed by a content hash of the inputs (file bytes and mapping), never by object
identity, and bounded (`max_entries`, `ttl`) so memory stays flat. Two sessions get the same
cached object only when their inputs are byte-for-byte the same files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from kpi.demo import MAPPING_FILE, demo_files, load_demo
from kpi.mapping import Tables
from kpi.report import Report, build_report


def content_key(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@st.cache_data(max_entries=8, ttl=3600, show_spinner="Reading the demo company's files…")
def _demo_tables(key: str) -> Tables:  # key: content hash of the demo files and mapping
    return load_demo()


def demo_tables() -> Tables:
    return _demo_tables(content_key([MAPPING_FILE, *demo_files()]))


@st.cache_data(max_entries=32, ttl=3600, show_spinner="Computing KPIs…")
def _report(key: str, as_of: str | None, _tables: Tables) -> Report:
    return build_report(_tables, as_of)


def report(as_of: str | None = None) -> Report:
    """The report of the current workspace for `as_of` (default: the latest month)."""
    key = content_key([MAPPING_FILE, *demo_files()])
    return _report(key, as_of, demo_tables())
