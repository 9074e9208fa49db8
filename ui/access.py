"""What a user is told, in one sentence, wherever the workspace cannot be changed.

The store refuses every change by a viewer (`kpi.store.sharing`); pages disable what a viewer
cannot do and say why with `explain`, and what a "can edit" guest cannot do (rename, delete,
share: the owner's) with `explain_not_owner`, in the store's own sentence. `refusals` turns a
refusal a page did not foresee into the same sentence, never a traceback — and a workspace that
stopped being open to this user (deleted, or no longer shared: the store answers `NotFound`) into
`GONE`. app.py runs every page inside it; a dialog or fragment that writes runs its change inside
it too, because a click in a dialog reruns only the dialog, outside app.py's handling.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st

from kpi.store.failures import StoreError
from kpi.store.model import Forbidden, NotFound, ReadOnly
from ui import state

READ_ONLY = "You can view this workspace: ask its owner for edit rights to change it."
GONE = ("The workspace you had open is no longer open to you: it was deleted, or its owner stopped sharing "
        "it. You are back on your own.")


def read_only() -> bool:
    """Whether the signed-in user may only view the current workspace."""
    return not state.can_edit()


def explain() -> None:
    """The one sentence, as a notice (call it where a viewer finds controls disabled)."""
    st.info(READ_ONLY, icon=":material/visibility:")


def not_owner_sentence(workspace_id: int, user: str) -> str:
    """What the store answers a guest who renames, deletes or shares a workspace (`Forbidden`)."""
    return str(Forbidden(workspace_id, user))


def explain_not_owner(workspace_id: int) -> None:
    """The store's sentence to a "can edit" guest, as a notice where its owner's controls are
    disabled (a disabled button's click never reaches the page: Streamlit drops it)."""
    st.info(not_owner_sentence(workspace_id, state.owner() or "you"), icon=":material/lock:")


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """Run a change; what the store refuses becomes one sentence where the change was asked, and
    nothing was written:

    ReadOnly   (a viewer)                         READ_ONLY, as `explain`
    Forbidden  (a guest doing the owner's part)   the store's sentence
    StoreError (the disk refused; rolled back)    its message
    NotFound   (deleted or unshared meanwhile)    GONE, and the session is back on its own workspace

    `st.rerun` and `st.stop` pass through."""
    try:
        yield
    except ReadOnly:
        explain()
    except Forbidden as refused:
        st.error(str(refused), icon=":material/lock:")
    except StoreError as failed:
        st.error(failed.message, icon=":material/hard_drive:")
    except NotFound:
        state.set_workspace(None)
        st.warning(GONE, icon=":material/folder_off:")
