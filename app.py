"""Entry point: `streamlit run app.py`. Page registry and the shared sidebar.

Pages are registered only when they work; each is a short script in pages/ that reads the
state, asks `kpi` (through ui.data) and draws with ui/ helpers.
"""

import streamlit as st

from kpi.errors import InputError
from ui import state

st.set_page_config(page_title="KPI workbench", page_icon=":material/monitoring:", layout="wide")

pages = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
    ]
)

try:
    state.sidebar()
except InputError as error:
    st.error(f"The workspace's data cannot be read: {error}")
    st.stop()

pages.run()
