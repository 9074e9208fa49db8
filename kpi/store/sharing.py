"""Who may do what to a workspace: its owner, its named guests ("can edit", "can view"), anyone else.

One question, answered in one place: `role_of` gives a user's role on a workspace — "owner"
(the address the workspace belongs to), "editor" (a guest who can edit), "viewer" (a guest who
can view) or "none". Every write of `kpi.store.workspaces.Store` that is told who acts (`by=`)
opens its transaction with `writable`, which refuses a viewer (`ReadOnly`), and sharing opens
with `owned`, which refuses anyone but the owner (`Forbidden`). `by=None` is the app without
sign-in (one person on a laptop) or the system itself: it is not checked.

Each function takes an open SQLAlchemy `Connection`, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from kpi.errors import InputError
from kpi.store.model import SHARE_ROLES, Forbidden, ReadOnly, Role, Share
from kpi.store.queries import load_row, lock
from kpi.store.tables import SHARES, _now

GUEST_ROLES: dict[str, Role] = {"edit": "editor", "view": "viewer"}


def _address(user: str) -> str:
    return user.strip().lower()


def role_of(conn: Connection, row: Any, user: str | None) -> Role:
    """The role of `user` on the workspace `row` (a WORKSPACES row).

    owner   the workspace's owner (addresses compared without case), or no user on an ownerless
            workspace (local use);
    editor  a named guest shared with role "edit";
    viewer  a named guest shared with role "view";
    none    anyone else.
    """
    if user is None:
        return "owner" if row.owner is None else "none"
    if row.owner is not None and _address(row.owner) == _address(user):
        return "owner"
    role = conn.scalar(select(SHARES.c.role).where(SHARES.c.workspace_id == row.id,
                                                   SHARES.c.email == _address(user)))
    return GUEST_ROLES.get(role, "none") if role is not None else "none"


def writable(conn: Connection, workspace_id: int, by: str | None) -> Any:
    """The workspace's row, locked (`queries.lock`), for a write by `by`; a viewer gets ReadOnly
    and nothing is written."""
    row = lock(conn, workspace_id)
    if by is not None and role_of(conn, row, by) == "viewer":
        raise ReadOnly(workspace_id, by)
    return row


def owned(conn: Connection, workspace_id: int, by: str | None) -> Any:
    """The workspace's row, locked, for a change of who may open it: only its owner may
    (Forbidden for anyone else, ReadOnly for a viewer)."""
    row = lock(conn, workspace_id)
    role = role_of(conn, row, by) if by is not None else "owner"
    if role == "viewer":
        raise ReadOnly(workspace_id, by)
    if role != "owner":
        raise Forbidden(workspace_id, by)
    return row


def copyable(conn: Connection, workspace_id: int, by: str | None, owner: str | None) -> Any:
    """The workspace's row, locked, to copy it for `owner` (None: its own owner); a viewer may
    only make a copy of his own (ReadOnly otherwise)."""
    row = lock(conn, workspace_id)
    new_owner = owner if owner is not None else row.owner
    if by is not None and new_owner != by and role_of(conn, row, by) == "viewer":
        raise ReadOnly(workspace_id, by)
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

    def role(self, workspace_id: int, user: str | None) -> Role:
        """"owner", "editor", "viewer" or "none" (`role_of`); NotFound if no such workspace."""
        with self._reading() as conn:
            return role_of(conn, load_row(conn, workspace_id), user)

    def share(self, workspace_id: int, email: str, role: str = "edit", *, by: str | None = None) -> None:
        """Let the user with this e-mail open the workspace — role "view" (can view) or "edit"
        (can edit) — or change that guest's role (idempotent). Only the owner may (Forbidden)."""
        email, role = check_share(email, role)
        with self._writing() as conn:
            detail = put_share(conn, owned(conn, workspace_id, by), email, role, by)
            if detail is not None:
                self._audit(conn, by, "share", workspace_id, None, detail)

    def unshare(self, workspace_id: int, email: str, *, by: str | None = None) -> None:
        """Stop sharing the workspace with this e-mail. Only the owner may (Forbidden)."""
        with self._writing() as conn:
            owned(conn, workspace_id, by)
            if drop_share(conn, workspace_id, email):
                self._audit(conn, by, "unshare", workspace_id, None, {"with": email.strip().lower()})

    def shared_with(self, workspace_id: int) -> list[Share]:
        """The named guests, by address, each with its role: [Share("bob@acme.io", "view"), …]."""
        with self._reading() as conn:
            return shares(conn, workspace_id)
