"""What a "can view" guest is told, in one sentence, wherever the workspace cannot be changed.

The store refuses every change by a viewer (`kpi.store.sharing`); pages disable what a viewer
cannot do and say why with `explain`, and `app.py` turns a refusal a page did not foresee into
the same sentence, never a traceback — and a workspace that stopped being open to this user
(deleted, or no longer shared: the store answers `NotFound`) into `GONE`.
"""

from __future__ import annotations

import streamlit as st

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
