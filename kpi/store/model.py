"""What the store takes and gives: workspaces, files, snapshots, shares, conflicts, limits.

Plain frozen dataclasses, the exceptions a caller handles (`Conflict`, `NotFound`,
`Forbidden` and its case `ReadOnly`) and who may act (`Actor`: a signed-in address, None for
the local app without sign-in, or `SYSTEM`); no database code here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

if TYPE_CHECKING:
    from kpi.ingest.mapping import Mapping



DEMO_NAME = "Plumeo (demo company)"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SHARE_ROLES = ("view", "edit")  # what a share grants: "can view" or "can edit"
Role = Literal["owner", "editor", "viewer", "none"]  # a user's role on one workspace
Need = Literal["view", "edit", "own"]  # what a store method asks of the acting user (kpi.store.sharing.require)


class System:
    """The trusted operator process (the scheduled `python -m kpi alerts --workspace`/`--all-workspaces`),
    acting on any workspace without being a user of it. Its one instance is `SYSTEM`; the app's
    pages never pass it (tests/kpi/test_store_ownership.py checks that ui/ and app_pages/ do not
    name it). The audit trail and the sent log record it as "system"."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "system"


SYSTEM: Final = System()
Actor = str | System | None  # who acts: a signed-in address, SYSTEM, or None (the local app without sign-in)


# ── What goes in and out ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file's particulars (its bytes are in `StoredWorkspace.files`)."""

    name: str
    sha256: str
    size: int
    uploaded_at: datetime
    uploaded_by: str | None
    revision: int  # the workspace version that wrote it


@dataclass(frozen=True)
class StoredWorkspace:
    """A workspace as saved: `version` is what to pass as `base_version` when saving it back."""

    id: int
    name: str
    files: dict[str, bytes]
    mapping_json: str  # docs/cli.md format, as `kpi.ingest.mapping.mapping_to_json` writes it
    settings_json: str  # a JSON object (see `kpi.report.settings_json`)
    version: int
    owner: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    uploads: tuple[StoredFile, ...] = ()  # name, hash, size and upload time of each file

    @property
    def mapping(self) -> Mapping:
        from kpi.ingest.mapping import parse_mapping

        return parse_mapping(self.mapping_json, source="the saved mapping")


@dataclass(frozen=True)
class WorkspaceInfo:
    """One line of the workspace list."""

    id: int
    name: str
    owner: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    files: int


@dataclass(frozen=True)
class Snapshot:
    """The full JSON report of a month, frozen when the month was marked as reported."""

    month: str
    report: dict
    reported_at: datetime
    reported_by: str | None
    revision: int


@dataclass(frozen=True)
class Change:
    """One KPI whose value differs from the reported one. `key` is its path in the JSON report
    (`revenue.mrr`, `series[2025-03].churn`, `cohorts.logo.2024-01[2]`); `difference` is
    now − reported when both are numbers, else None."""

    key: str
    reported: Any
    now: Any
    difference: float | None


@dataclass(frozen=True)
class Restatement:
    """A reported month whose numbers the current data changes."""

    month: str
    reported_at: datetime
    reported_by: str | None
    changes: tuple[Change, ...]


class Share(NamedTuple):
    """One named guest of a workspace: the address, and "view" or "edit" (`SHARE_ROLES`)."""

    email: str
    role: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str | None
    action: str
    workspace_id: int | None
    revision: int | None
    detail: dict


class Conflict(Exception):
    """Another session changed an item after the version this save was based on; nothing was
    written. Save again without `base_version` (or with `current_version`) to replace it."""

    def __init__(self, workspace_id: int, item: str, base_version: int, current_version: int,
                 changed_at: datetime | None = None, changed_by: str | None = None) -> None:
        self.workspace_id = workspace_id
        self.item = item
        self.base_version = base_version
        self.current_version = current_version
        self.changed_at = changed_at
        self.changed_by = changed_by
        who = f" by {changed_by}" if changed_by else ""
        when = f" at {changed_at:%Y-%m-%d %H:%M:%S} UTC" if changed_at else ""
        super().__init__(f"{item[0].upper()}{item[1:]} was changed in another session{who}{when}, after you "
                         f"opened this workspace; nothing was saved. Reload to see that change, or save "
                         f"again to replace it with yours.")


class NotFound(LookupError):
    """The workspace does not exist (any more: another session may have deleted it) — or the acting
    user is neither its owner nor one of its guests: both get this same exception and message,
    so an id cannot be probed."""

    def __init__(self, workspace_id: int) -> None:
        super().__init__(f"workspace {workspace_id} does not exist (it may have been deleted in another session)")
        self.workspace_id = workspace_id


class Forbidden(PermissionError):
    """`user`, a guest of the workspace, may not do this to it (only its owner renames, deletes or
    shares it); nothing was written. Only a guest is told so: anyone else gets `NotFound`."""

    def __init__(self, workspace_id: int, user: str, message: str | None = None) -> None:
        super().__init__(message or f"{user} does not own this workspace: only its owner can rename it, delete "
                                    "it, share it or change who may open it")
        self.workspace_id = workspace_id
        self.user = user


class ReadOnly(Forbidden):
    """A "can view" guest tried to change the workspace; nothing was written."""

    def __init__(self, workspace_id: int, user: str) -> None:
        super().__init__(workspace_id, user, f"{user} can view this workspace but not change it")


@dataclass(frozen=True)
class ImportLimits:
    """What a workspace zip may ask of the server before a byte of it is inflated."""

    max_members: int = 2_000
    max_file_bytes: int = 200 * 1_000_000  # one uploaded file, as Streamlit's upload limit
    max_total_bytes: int = 1_000_000_000  # everything, as declared by the zip directory
    max_json_bytes: int = 50 * 1_000_000  # manifest, mapping, settings, one snapshot
