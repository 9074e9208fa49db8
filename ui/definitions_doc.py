"""The KPI definitions (docs/definitions.md) as the Definitions & settings page shows them.

The same text a reader of the repository gets: split into its `##` sections, with links to other
documentation files turned into plain words (they point nowhere inside the app); a link whose
words are a file name (`cli.md`) reads as the guide it names ("the command-line guide"), never as
a path.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

DEFINITIONS = Path(__file__).resolve().parents[1] / "docs" / "definitions.md"
_LINK = re.compile(r"\[([^\]]+)\]\((?!https?://)[^)]*\)")  # [words](cli.md#x) → words; web links stay
GUIDES = {"cli.md": "the command-line guide", "exports.md": "the exports guide", "README.md": "the README",
          "architecture.md": "the architecture guide", "hosting.md": "the hosting guide",
          "definitions.md": "these definitions"}


def _words(link: re.Match) -> str:
    """The link's words; a file name (`cli.md`, `../README.md`) becomes the guide's plain name."""
    words = link.group(1)
    name = words.rsplit("/", 1)[-1]
    return GUIDES.get(name, "the documentation") if name.endswith(".md") else words


def sections(markdown: str) -> list[tuple[str, str]]:
    """(title, body) for each `## ` section, in order; the table of contents is left out."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.M)
    pairs = [(title.strip(), _LINK.sub(_words, body).strip()) for title, body in zip(parts[1::2], parts[2::2],
                                                                                      strict=True)]
    return [(title, body) for title, body in pairs if title.lower() != "contents"]


@st.cache_data(max_entries=1)
def definition_sections() -> list[tuple[str, str]]:
    return sections(DEFINITIONS.read_text(encoding="utf-8"))


def show(query: str = "") -> None:
    """Every section in an expander; with a query, only the sections that mention it, opened."""
    words = query.strip().lower()
    shown = [(t, b) for t, b in definition_sections() if not words or words in (t + " " + b).lower()]
    if not shown:
        st.info(f"No definition mentions “{query.strip()}”.")
    for title, body in shown:
        with st.expander(title, expanded=bool(words)):
            st.markdown(body)
