"""Workspaces: create, switch, rename, duplicate, delete, export and import; the months marked as
reported, and what changed in them since (restatements)."""

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from kpi.errors import InputError
from kpi.text import escape_markdown
from ui import access, activity, auth, data, restatements, state

store = state.store()
ws = state.workspace()
st.title("Workspaces")
st.caption("Each workspace keeps its files, mapping, settings and reported months in the database "
           f"({'PostgreSQL' if store.engine.dialect.name == 'postgresql' else 'SQLite'}), so next month starts "
           "where this one ended.")

listed = store.list_workspaces(state.owner())
st.dataframe(pd.DataFrame([{"Workspace": w.name, "Files": w.files, "Last saved": w.updated_at,
                            "Current": "●" if w.id == ws.id else ""} for w in listed]),
             hide_index=True, width="stretch")

by_name = {w.name: w.id for w in listed}
left, right = st.columns([3, 1], vertical_alignment="bottom")
chosen = left.selectbox("Open a workspace", list(by_name), index=list(by_name.values()).index(ws.id)
                        if ws.id in by_name.values() else 0)
if right.button("Open workspace", icon=":material/folder_open:", disabled=by_name.get(chosen) == ws.id):
    state.open_workspace(by_name[chosen])
    st.rerun()


@st.dialog("Delete this workspace?")
def confirm_delete(workspace_id: int, name: str) -> None:
    st.text(f"“{name}”, its files, mapping, settings and reported months will be deleted for good.")
    if st.button("Delete for good", type="primary", icon=":material/delete_forever:"):
        with access.refusals():  # a click here reruns only the dialog, outside app.py's handling
            store.delete(workspace_id, by=state.owner())
            state.set_workspace(None)
            st.rerun()


# A "can edit" guest works in a shared workspace (upload, map, report, export, duplicate), a "can
# view" guest reads, exports and duplicates it; renaming, deleting and sharing it are its owner's.
owner = next((w.owner for w in listed if w.id == ws.id), state.owner())
role = state.role()
is_owner = role == "owner"
RIGHTS = {"view": "Can view", "edit": "Can edit"}

if ws.id is not None:
    st.subheader(f"“{escape_markdown(ws.name)}”")
    if not is_owner:
        st.caption(f"Shared with you by {escape_markdown(owner or 'its owner')}, who lets you "
                   + ("edit it. " if role == "editor" else "view it: only they can rename, delete or share it. ")
                   + "Duplicate it to get a copy of your own.")  # an editor reads why below, in the store's words
    if role == "viewer":
        access.explain()
    elif role == "editor":  # Rename and Delete are disabled: the store's own sentence says why
        access.explain_not_owner(ws.id)
    rename, duplicate, delete = st.columns(3, vertical_alignment="bottom")
    new_name = rename.text_input("New name", ws.name, max_chars=120, disabled=not is_owner)
    if rename.button("Rename", icon=":material/edit:", disabled=not is_owner or new_name.strip() == ws.name):
        try:
            store.rename(ws.id, new_name, by=state.owner())
        except InputError as error:
            st.error(escape_markdown(error.message))
        else:
            state.open_workspace(ws.id)
            st.rerun()
    if duplicate.button("Duplicate", icon=":material/content_copy:"):
        state.open_workspace(store.duplicate(ws.id, by=state.owner(), owner=state.owner()))
        st.rerun()
    if delete.button("Delete…", icon=":material/delete:", disabled=not is_owner):
        confirm_delete(ws.id, ws.name)

    # who and which workspace are bound now (default arguments): the zip is made on click, outside
    # this session's script, when the script's names are whatever it left in them
    exporter = state.owner()
    st.download_button("Export this workspace (zip)",
                       lambda workspace_id=ws.id, by=exporter: store.export_zip(workspace_id, by=by),
                       file_name=f"{ws.name}.zip", mime="application/zip", icon=":material/download:",
                       help="Files, mapping, settings and reported months in one zip; import it back here.")

if ws.id is not None and auth.configured() and is_owner:
    st.subheader("Shared with")
    st.caption("Can edit: uploads, maps, changes settings and marks months as reported. Can view: sees every "
               "page and downloads every export, changes nothing. Only you rename, delete or share it.")
    guests = store.shared_with(ws.id, by=state.owner())
    if not guests:
        st.text("Nobody: only you can open this workspace.")
    for guest in guests:  # each guest's rights, changed or taken back on the guest's own row
        email, rights, gone = st.columns([3, 2, 1], vertical_alignment="center")
        email.text(guest.email)
        chosen = rights.segmented_control("Rights", list(RIGHTS), default=guest.role,
                                          format_func=RIGHTS.get, required=True, label_visibility="collapsed",
                                          key=f"rights::{guest.email}")
        if chosen != guest.role:
            store.share(ws.id, guest.email, chosen, by=state.owner())
            st.rerun()
        if gone.button("Stop sharing", icon=":material/person_remove:", key=f"unshare::{guest.email}"):
            store.unshare(ws.id, guest.email, by=state.owner())
            st.session_state.pop(f"rights::{guest.email}", None)
            st.rerun()
    add, rights, button = st.columns([3, 2, 1], vertical_alignment="bottom")
    guest = add.text_input("Share with (e-mail)", max_chars=200, key="share_with")
    granted = rights.segmented_control("Rights", list(RIGHTS), default="view", format_func=RIGHTS.get,
                                       required=True, key="share_rights")
    if button.button("Share", icon=":material/person_add:", disabled=not guest.strip()):
        try:
            store.share(ws.id, guest, granted, by=state.owner())
        except InputError as error:
            st.error(escape_markdown(error.message))
        else:
            del st.session_state["share_with"]  # shared: the field is ready for the next address
            st.rerun()

imported = st.file_uploader("Import a workspace (zip)", type=["zip"], key="workspace_zip")
if imported is not None and st.session_state.get("workspace_zip_seen") != imported.file_id:
    st.session_state["workspace_zip_seen"] = imported.file_id
    try:
        new_id = store.import_zip(imported.getvalue(), owner=state.owner(), by=state.owner())
    except InputError as error:
        st.error(escape_markdown(f"{imported.name} was not imported: {error.message}"))
    else:
        state.open_workspace(new_id)
        st.rerun()

# ------------------------------------------------------------------------- reported months
st.subheader("Reported months")
current = state.current()
if ws.id is None or current.as_of is None:
    st.info("Map a revenue table to report on a month.")
    st.stop()
st.caption("Marking a month as reported freezes its full KPI report, as you gave it to investors. If later "
           "uploads change it, the difference shows here, KPI by KPI.")
if st.button(f"Mark {state.month_label(current.as_of)} as reported", icon=":material/verified:",
             disabled=not state.can_edit(), help=access.READ_ONLY if not state.can_edit() else None):
    report = data.report(state.State(ws, current.as_of))  # the unfiltered report of the month
    version = store.mark_reported(ws.id, current.as_of, report.to_json(), by=state.owner())
    state.set_workspace(state.Workspace(ws.name, ws.files, ws.mapping, id=ws.id, version=version), keep_month=True)
    st.rerun()

snapshots = store.snapshots(ws.id, by=state.owner())
if not snapshots:
    st.text("No month reported yet.")
else:
    st.dataframe(pd.DataFrame([{"Month": s.month, "Reported at": s.reported_at, "By": s.reported_by or "",
                                "MRR then": fmt.money((s.report.get("revenue") or {}).get("mrr"), s.report.get("currency"),
                                                      compact=False)}
                               for s in snapshots]), hide_index=True, width="stretch")
    restated = restatements.restatements(ws)
    if not restated:
        st.success("The current data gives the same numbers as every reported month.", icon=":material/check:")
    restatements.show(restated, ws)

st.subheader("Activity")
st.caption("Who uploaded, mapped, exported and marked a month as reported, and when.")
log = store.audit_log(ws.id, limit=50, by=state.owner())
rows = activity.rows_per_file(list(ws.files), {source: q.rows_read for source, q in data.tables(ws).quality.items()})
st.dataframe(activity.activity_table(log, rows), hide_index=True, width="stretch")
