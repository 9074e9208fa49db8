"""Who may do what to a workspace: its owner, its named guests ("can edit", "can view"), anyone else.

Ownership in the store, checked in one place. Every public `Store` method that touches one
workspace takes the acting user as a required keyword, `by=` (a signed-in address; None for the
local app without sign-in, which owns the workspaces without an owner; `SYSTEM` for the trusted
alerts command), and opens its transaction with `require(conn, workspace_id, by, need)`:

need    who may                          the methods
view    owner, editor, viewer            load, version, snapshots, restatements, export_zip, role,
                                         subscribers, unsent, sent_log, audit_log, audit, duplicate
                                         (a copy of one's own)
edit    owner, editor                    save*, add_file, remove_file, update_files, save_mapping,
                                         save_settings, mark_reported, unmark_reported,
                                         set_subscribers, record_sent, duplicate (for its owner)
own     owner                            rename, delete, share, unshare, shared_with

Anyone else — a signed-in user who is neither the owner nor a guest, or None on a workspace that
has an owner — gets `NotFound`, the same exception and message as for an id that does not exist,
so an id reveals nothing. A guest without the right gets `ReadOnly` (a viewer asked to change
it) or `Forbidden` (an editor asked to rename, delete or share it): they know it exists.
`SYSTEM` acts with the owner's rights on every workspace.

Each function takes an open SQLAlchemy `Connection`, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from kpi.errors import InputError
from kpi.store.model import SHARE_ROLES, Actor, Forbidden, Need, NotFound, ReadOnly, Role, Share, System
from kpi.store.queries import load_row, lock
from kpi.store.tables import SHARES, _now

GUEST_ROLES: dict[str, Role] = {"edit": "editor", "view": "viewer"}
ALLOWED: dict[Need, frozenset[Role]] = {  # the roles each need admits
    "view": frozenset({"owner", "editor", "viewer"}),
    "edit": frozenset({"owner", "editor"}),
    "own": frozenset({"owner"}),
}


def _address(user: str) -> str:
    return user.strip().lower()


def actor_name(by: Actor) -> str | None:
    """How the database records who acted (audit trail, uploaded_by…): the address, None for the
    local app, "system" for `SYSTEM`."""
    return str(by) if isinstance(by, System) else by


def role_of(conn: Connection, row: Any, user: Actor) -> Role:
    """The role of `user` on the workspace `row` (a WORKSPACES row).

    owner   the workspace's owner (addresses compared without case), no user on an ownerless
            workspace (local use), or `SYSTEM`;
    editor  a named guest shared with role "edit";
    viewer  a named guest shared with role "view";
    none    anyone else.
    """
    if isinstance(user, System):
        return "owner"
    if user is None:
        return "owner" if row.owner is None else "none"
    if row.owner is not None and _address(row.owner) == _address(user):
        return "owner"
    role = conn.scalar(select(SHARES.c.role).where(SHARES.c.workspace_id == row.id,
                                                   SHARES.c.email == _address(user)))
    return GUEST_ROLES.get(role, "none") if role is not None else "none"


def require(conn: Connection, workspace_id: int, by: Actor, need: Need, *, locked: bool | None = None) -> Any:
    """The workspace's row when `by` has the right `need` ("view", "edit" or "own") on it — the
    one check of every `Store` method that touches a workspace. The row is locked
    (`queries.lock`) for "edit" and "own", or when `locked` says so.

    no such workspace, or `by` neither its owner nor a guest   NotFound (one message for both)
    a viewer, for "edit" or "own"                              ReadOnly
    an editor, for "own"                                       Forbidden
    """
    if need not in ALLOWED:
        raise ValueError(f"{need!r} is not a need: use 'view', 'edit' or 'own'")
    row = lock(conn, workspace_id) if (need != "view" if locked is None else locked) else load_row(conn, workspace_id)
    role = role_of(conn, row, by)
    if role == "none":
        raise NotFound(workspace_id)
    if role not in ALLOWED[need]:
        user = str(by)
        raise ReadOnly(workspace_id, user) if role == "viewer" else Forbidden(workspace_id, user)
    return row


def check_share(email: str, role: str) -> tuple[str, str]:
    """The address (trimmed, lower case) and role of a new share; InputError when either is not one."""
    email = _address(email)
    if "@" not in email or len(email) > 200:
        raise InputError(f"'{email}' is not an e-mail address")
    if role not in SHARE_ROLES:
        raise InputError(f"'{role}' is not a sharing role: use 'view' (can view) or 'edit' (can edit)")
    return email, role


def put_share(conn: Connection, row: Any, email: str, role: str, by: str | None) -> dict | None:
    """Share the workspace `row` with `email` as `role`, or change that guest's role; the audit
    detail of what changed, None when nothing did. The owner's own address is not a guest."""
    if row.owner is not None and _address(row.owner) == email:
        raise InputError(f"{email} owns this workspace: an owner needs no share")
    stored = conn.scalar(select(SHARES.c.role).where(SHARES.c.workspace_id == row.id, SHARES.c.email == email))
    if stored == role:
        return None
    if stored is None:
        conn.execute(insert(SHARES).values(workspace_id=row.id, email=email, role=role, shared_at=_now(),
                                           shared_by=by))
        return {"with": email, "role": role}
    conn.execute(update(SHARES).where(SHARES.c.workspace_id == row.id, SHARES.c.email == email)
                 .values(role=role, shared_at=_now(), shared_by=by))
    return {"with": email, "role": role, "was": stored}


def drop_share(conn: Connection, workspace_id: int, email: str) -> bool:
    """Stop sharing the workspace with `email`; whether it was shared."""
    return conn.execute(delete(SHARES).where(SHARES.c.workspace_id == workspace_id,
                                             SHARES.c.email == _address(email))).rowcount > 0


def shares(conn: Connection, workspace_id: int) -> list[Share]:
    """The workspace's named guests with their role, by address."""
    rows = conn.execute(select(SHARES.c.email, SHARES.c.role).where(SHARES.c.workspace_id == workspace_id)
                        .order_by(SHARES.c.email)).all()
    return [Share(r.email, r.role) for r in rows]


class SharingMethods:
    """The `Store`'s methods about who may open a workspace (mixed into `kpi.store.workspaces.Store`,
    whose `_reading`, `_writing` and `_audit` they use)."""

    _reading: Callable[[], AbstractContextManager[Connection]]
    _writing: Callable[[], AbstractContextManager[Connection]]
    _audit: Callable[..., None]

    def role(self, workspace_id: int, *, by: Actor) -> Role:
        """The role of `by` on the workspace: "owner", "editor" or "viewer" (`role_of`); NotFound if
        no such workspace or `by` is neither its owner nor a guest."""
        with self._reading() as conn:
            return role_of(conn, require(conn, workspace_id, by, "view"), by)

    def share(self, workspace_id: int, email: str, role: str = "edit", *, by: Actor) -> None:
        """Let the user with this e-mail open the workspace — role "view" (can view) or "edit"
        (can edit) — or change that guest's role (idempotent). Only the owner may (`require` "own")."""
        email, role = check_share(email, role)
        with self._writing() as conn:
            detail = put_share(conn, require(conn, workspace_id, by, "own"), email, role, actor_name(by))
            if detail is not None:
                self._audit(conn, actor_name(by), "share", workspace_id, None, detail)

    def unshare(self, workspace_id: int, email: str, *, by: Actor) -> None:
        """Stop sharing the workspace with this e-mail. Only the owner may (`require` "own")."""
        with self._writing() as conn:
            require(conn, workspace_id, by, "own")
            if drop_share(conn, workspace_id, email):
                self._audit(conn, actor_name(by), "unshare", workspace_id, None, {"with": email.strip().lower()})

    def shared_with(self, workspace_id: int, *, by: Actor) -> list[Share]:
        """The named guests, by address, each with its role: [Share("bob@acme.io", "view"), …].
        Only the owner reads them (`require` "own"), as only the owner's page shows them."""
        with self._reading() as conn:
            require(conn, workspace_id, by, "own", locked=False)
            return shares(conn, workspace_id)
