"""The one place where data is read, mapped and reported, with caching.

Caches are keyed by content hashes (file bytes, mapping), never by object identity, and
bounded (`max_entries`, `ttl`) so memory stays flat. Two sessions share a cached object only
when their inputs are byte-for-byte the same, so one user's data is never served to another.
They are resource caches (the object itself, not a pickled copy): sheets, tables and reports
are immutable by convention — pages read them and never modify them — so sharing them costs
nothing and a rerun does not unpickle megabytes of frames.
"""

from __future__ import annotations

import hashlib
import io
import json

import pyarrow as pa
import pyarrow.csv as pa_csv
import streamlit as st

from kpi.demo import cached_demo_tables, demo_files
from kpi.errors import InputError
from kpi.ingest.io import Sheet, read_bytes
from kpi.ingest.layouts import home
from kpi.ingest.mapping import TableMapping, TableQuality, Tables, apply_mapping, build_tables
from kpi.report.build import Report, Settings, build_report, filter_tables, reportable_months, segment_attributes
from kpi.report.segments import CustomerCodes, customer_codes
from ui import events_source
from ui.choices import State, Workspace


@st.cache_resource(max_entries=1)
def _bundled_digests() -> frozenset[str]:
    """Content hashes of the bundled demo files: the only bytes read without the sandbox."""
    return frozenset(hashlib.sha256(path.read_bytes()).hexdigest() for path in demo_files())


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def _sheets(name: str, digest: str, _data: bytes) -> list[Sheet]:  # keyed by name + content hash
    # uploads are parsed where a crashing reader cannot take the server down (kpi.ingest.safety);
    # the bundled demo, byte for byte ours, is read in-process
    return read_bytes(name, _data, trusted=digest in _bundled_digests())


@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _shared_bytes(name: str, digest: str, _data: bytes) -> bytes:  # keyed by name + content hash
    return _data


def shared_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The same files, each content held once in the process: a session that opens a stored
    workspace gets the bytes object another session already holds for the same name and content
    hash, and its own copy read from the database is freed. Without it every session kept its
    own copy of its workspace's files (the demo's 4.8 MiB), and Streamlit keeps a closed session
    two minutes for a reconnect (up to 128 of them): docs/security.md#memory-per-session."""
    return {name: _shared_bytes(name, hashlib.sha256(data).hexdigest(), data) for name, data in files.items()}


def sheets(ws: Workspace) -> list[Sheet]:
    """Every sheet of every file of the workspace (raises InputError for an unreadable file)."""
    return [sheet for name in ws.files for sheet in _sheets(name, ws.digests[name], ws.files[name])]


def sheets_of_file(name: str, data: bytes, digest: str) -> list[Sheet]:
    return _sheets(name, digest, data)


@st.cache_resource(max_entries=16, ttl=3600, show_spinner="Reading and checking the files…")
def _tables(key: str, _ws: Workspace) -> Tables:  # key: content hash of files + mapping
    if _ws.files and set(_ws.digests.values()) <= _bundled_digests():  # the demo: its tables kept from the last start
        return cached_demo_tables(home(), key, lambda: build_tables(sheets(_ws), _ws.mapping))
    return build_tables(sheets(_ws), _ws.mapping)


def tables(ws: Workspace) -> Tables:
    return _tables(ws.key, ws)


@st.cache_resource(max_entries=32, ttl=3600, show_spinner="Computing KPIs…")
def _report(key: str, as_of: str | None, filters: tuple, settings: Settings, _ws: Workspace,
            events: str = "") -> Report:  # events: ui.events_source.token, "" for the events file
    if not filters:
        data_tables, counted = events_source.report_inputs(events, settings, tables(_ws))
        return build_report(data_tables, as_of, settings, events=counted)
    # the company's revenue: its MRR matrix holds the segment's rows, and its costs are shared by its MRR
    company = _report(key, as_of, (), settings, _ws, events).revenue
    segment = filter_tables(tables(_ws), filters, _customer_codes(key, _ws))
    data_tables, counted = events_source.report_inputs(events, settings, segment, filters)
    return build_report(data_tables, as_of, settings, company=company, events=counted)


def report(current: State | Workspace, as_of: str | None = None) -> Report:
    """The report of what the user is looking at: the state's workspace, month, segment
    filters and settings (or a bare workspace's latest month, unfiltered)."""
    if isinstance(current, Workspace):
        return _report(current.key, as_of, (), Settings(), current)
    return _report(current.workspace.key, current.as_of, current.filters, current.report_settings,
                   current.workspace, events_source.token(current.report_settings))


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _report_months(key: str, _ws: Workspace) -> list[str]:
    return [str(month) for month in reportable_months(tables(_ws))]


def report_months(ws: Workspace) -> list[str]:
    """The months one can report on: every month with revenue, else the last month of activity."""
    return _report_months(ws.key, ws)


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _customer_codes(key: str, _ws: Workspace) -> CustomerCodes:
    return customer_codes(tables(_ws))


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _attributes(key: str, _ws: Workspace) -> dict[str, list[str]]:
    found = segment_attributes(tables(_ws))
    if found:  # filters will be offered: number the customers now, once, not on the first filter
        _customer_codes(key, _ws)
    return found


def attributes(ws: Workspace) -> dict[str, list[str]]:
    """Customer attributes (and their values) the sidebar offers as segment filters."""
    return _attributes(ws.key, ws)


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _event_names(key: str, _ws: Workspace) -> list[str]:
    events = tables(_ws).get("events")
    if events is None or "event" not in events:
        return []
    return sorted(events["event"].dropna().astype(str).unique())[:500]


def event_names(ws: Workspace) -> list[str]:
    """Distinct event names of the workspace (the choices of the value event)."""
    return _event_names(ws.key, ws)


@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _checked(file_digest: str, sheet_key: str, mapping_json: str, _sheet: Sheet, _mapping: TableMapping):
    try:
        return apply_mapping(_sheet, _mapping).quality
    except InputError as error:
        return error


def check(ws: Workspace, sheet: Sheet, mapping: TableMapping) -> TableQuality | InputError:
    """The quality report of one sheet under a (draft) mapping, or the InputError that makes it
    unusable; cached by file content, sheet and mapping, so editing one sheet re-checks only it."""
    return _checked(ws.digests[sheet.file], sheet.key, json.dumps(mapping.to_json(), sort_keys=True), sheet, mapping)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _mrr_csv(key: str, as_of: str | None, filters: tuple, settings: Settings, _report: Report) -> bytes:
    return mrr_csv(_report)


def mrr_csv_of(current: State, report: Report) -> bytes:
    """`mrr_csv` of the current report, made once per workspace, month, filters and settings.

    Pages hand it to `st.download_button` as a callable (`lambda: data.mrr_csv_of(current, report)`):
    Streamlit calls it when the button is clicked, so a page that shows the button never writes
    the CSV (0.2–0.3 s at 70k customers) for a click that may not come."""
    return _mrr_csv(current.workspace.key, current.as_of, current.filters, current.report_settings, report)


def mrr_csv(report: Report) -> bytes:
    """The MRR of every customer and month up to as-of, as CSV (to reconcile with billing).

    Written by Arrow's CSV writer: pandas' `to_csv` formats each float in Python, 1.4–3 s for
    70k customers × 36 months, which a segment filter paid on the Revenue page; Arrow takes 0.2 s.
    The ids are made safe for a spreadsheet by one regex over the column (`safe_cell_texts`): one
    Python call per id took longer than writing the CSV. Amounts keep their full precision (`29`,
    `24.166666666666668`)."""
    from kpi.exports.cells import safe_cell_texts
    table = report.revenue.mrr.loc[:, report.months].rename(columns=str)
    ids = safe_cell_texts(table.index)  # an id like =HYPERLINK(...) stays text in a spreadsheet
    columns = {"customer_id": pa.array(ids.astype(str), type=pa.string()),
               **{month: pa.array(table[month].to_numpy(dtype=float)) for month in table.columns}}
    out = io.BytesIO()
    pa_csv.write_csv(pa.table(columns), out, write_options=pa_csv.WriteOptions(quoting_style="needed"))
    return out.getvalue()
