"""Entry point: `streamlit run app.py`. Page registry and the shared sidebar.

Pages are registered only when they work; each is a short script in app_pages/ that reads the
state, asks `kpi` (through ui.data) and draws with ui/ helpers.
"""

from pathlib import Path

import streamlit as st

from kpi.errors import InputError
from ui import access, auth, state

# the tab's icon is our own file, served by the app: a Material icon as page_icon makes every
# visitor's browser fetch it from fonts.gstatic.com (tests/security/test_hostile_inputs.py)
st.set_page_config(page_title="KPI workbench", page_icon=str(Path(__file__).parent / "ui" / "assets" / "favicon.png"),
                   layout="wide")

st.session_state["user"] = auth.gate()  # stops here for anyone not signed in and allowed

pages = st.navigation(  # expanded: every page listed, none behind "View more"
    {
        "Analysis": [
            st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page("app_pages/alerts.py", title="Alerts", icon=":material/notifications:"),
            st.Page("app_pages/revenue.py", title="Revenue", icon=":material/trending_up:"),
            st.Page("app_pages/retention.py", title="Retention", icon=":material/event_repeat:"),
            st.Page("app_pages/satisfaction.py", title="Satisfaction", icon=":material/sentiment_satisfied:"),
            st.Page("app_pages/support.py", title="Support", icon=":material/support_agent:"),
            st.Page("app_pages/customers.py", title="Customers & health", icon=":material/monitor_heart:"),
            st.Page("app_pages/engagement.py", title="Engagement", icon=":material/touch_app:"),
            st.Page("app_pages/economics.py", title="Unit economics", icon=":material/savings:"),
            st.Page("app_pages/cash.py", title="Cash & runway", icon=":material/account_balance:"),
            st.Page("app_pages/investor_update.py", title="Investor update", icon=":material/campaign:"),
        ],
        "Data": [
            st.Page("app_pages/workspaces.py", title="Workspaces", icon=":material/folder_open:"),
            st.Page("app_pages/upload.py", title="Upload", icon=":material/upload_file:"),
            st.Page("app_pages/mapping.py", title="Map columns", icon=":material/table_edit:"),
            st.Page("app_pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
            st.Page("app_pages/settings.py", title="Definitions & settings", icon=":material/tune:"),
        ],
    },
    expanded=True,
)

if state.forget_if_gone():  # deleted, or no longer shared with this user, since the last run
    st.warning(access.GONE, icon=":material/folder_off:")

try:
    state.sidebar()
except InputError as error:
    st.error(f"The workspace's data cannot be read: {error}")
    if st.button("Back to the demo company"):
        state.set_workspace(None)
        st.rerun()
    st.stop()

# a refusal or a failure no page caught: one sentence, never a traceback (the same helper runs a
# dialog's change, which reruns alone, outside this script)
with access.refusals():
    pages.run()
