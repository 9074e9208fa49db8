"""What a "can view" guest is told, in one sentence, wherever the workspace cannot be changed.

The store refuses every change by a viewer (`kpi.store.sharing`); pages disable what a viewer
cannot do and say why with `explain`, and `app.py` turns a refusal a page did not foresee into
the same sentence, never a traceback.
"""

from __future__ import annotations

import streamlit as st

from ui import state

READ_ONLY = "You can view this workspace: ask its owner for edit rights to change it."


def read_only() -> bool:
    """Whether the signed-in user may only view the current workspace."""
    return not state.can_edit()


def explain() -> None:
    """The one sentence, as a notice (call it where a viewer finds controls disabled)."""
    st.info(READ_ONLY, icon=":material/visibility:")
