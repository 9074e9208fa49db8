"""The KPI engine: canonical tables in, SaaS and customer-success metrics out.

Pure Python + pandas; never imports streamlit. The app's pages, the CLI (`python -m kpi`) and
the exports all read the same objects built here, so they can never disagree.
"""
