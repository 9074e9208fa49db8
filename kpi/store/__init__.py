"""The store: keeps workspaces; it does not compute KPIs.

Workspaces that remember: uploads, mappings, settings and reported snapshots in a database.

`kpi.store.workspaces.Store` keeps every workspace — its uploaded files (original bytes, name, SHA-256, upload
time), its mapping (the mapping JSON of docs/cli.md), its settings (a JSON object) and the reports frozen
when a month was marked as reported — plus the mapping remembered per file layout and an audit
trail. It runs on SQLAlchemy Core: a SQLite file by default
(`$KPI_WORKBENCH_HOME/workbench.db`), PostgreSQL when `KPI_DATABASE_URL` is set. Opening a
store applies the schema migrations it lacks (`kpi.store.migrations`).

Durability. Every public write is one transaction: a process killed in the middle leaves the
previous state, whole. SQLite runs in WAL mode with `synchronous=FULL`, and a write takes the
database's write lock up front (`BEGIN IMMEDIATE`), waiting up to 30 s for another writer;
PostgreSQL locks the workspace's row first, so writes to one workspace queue up behind
each other instead of interleaving.

Two sessions saving the same workspace. Each workspace has a `version`, +1 on every write, and
each item — a file (by name), the mapping, the settings, a month's snapshot — remembers the
version that last wrote it. A write that passes `base_version` (the `version` of the workspace
as the caller loaded it) raises `Conflict`, and writes nothing, when an item it would change was
written by someone else after that version; items it does not change never conflict, so two
sessions saving different files, or one the mapping and the other the settings, both keep their
data. Saving again without `base_version` (or with the conflict's `current_version`) replaces
the item: last writer wins, after the user has been told. A write that changes nothing is not
a write. After saving, reload (`load`) before using the new version as a base: another
session may have saved something else in between.

Ownership. Every public method that reads or writes one workspace takes the acting user as a
required keyword, `by=` (a signed-in address; None for the local app without sign-in, which owns
the workspaces without an owner; `model.SYSTEM` for the trusted alerts command), and checks it
first, inside its transaction, in one place: `sharing.require(conn, workspace_id, by, need)`,
need "view" (owner, editor, viewer), "edit" (owner, editor: files, mapping, settings, reported
months, alert subscribers) or "own" (owner: rename, delete, share). Anyone else gets `NotFound`,
word for word what a missing id gets; a guest without the right `ReadOnly` (a viewer) or
`Forbidden` (an editor). tests/kpi/test_store_ownership.py finds every such method by
introspection and checks the matrix — 31 calls × 4 roles (owner, editor, viewer, stranger) =
124 cells, on SQLite and PostgreSQL — that docs/security.md shows.

Modules: `workspaces` (the `Store` and its public methods), `model` (the dataclasses it takes and
gives, `Conflict`, `NotFound`), `tables` (the SQL tables and the engine), `queries` (steps inside
one transaction), `archive` (a workspace as a zip, and back), `snapshots` (restatements of a
reported month), `layouts` (mappings remembered per file layout), `sharing` (who may do what:
`require`, the one check),
`alert_delivery` (who receives a workspace's alerts, what was sent to whom), `failures` (a full or
failing disk said as "not saved: the disk is full", `StoreError`), `migrations` (the schema's history).

May import: `kpi.errors`, `kpi.ingest` (sheets, mappings, layouts) and `kpi.demo`. Never
`kpi.metrics`, `kpi.report` or `kpi.exports`: settings are kept as an opaque JSON object, read by
`kpi.report.settings_json`.
"""
