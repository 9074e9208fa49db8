"""Streamlit helpers shared by the pages: state, cached data, cards, charts and formatting."""
