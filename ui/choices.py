"""What a session looks at, as immutable values: the workspace (files and their mapping) and the
sidebar's choices (as-of month, granularity, segment filters, settings).

Both are hashable and carry a content key, so `ui.data` caches by them; `ui.state` keeps the
current ones in the session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property

from kpi.ingest.mapping import Mapping
from kpi.report.build import Settings


@dataclass(frozen=True)
class Workspace:
    """Files and their mapping; `key` is a content hash (files and mapping) for caches.
    `id` and `version` locate it in the store (None for a workspace that is not saved)."""

    name: str
    files: dict[str, bytes]
    mapping: Mapping = field(default_factory=dict)
    id: int | None = field(default=None, compare=False)
    version: int | None = field(default=None, compare=False)

    @cached_property
    def digests(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.files.items()}

    @cached_property
    def key(self) -> str:
        digest = hashlib.sha256()
        for name, value in sorted(self.digests.items()):
            digest.update(f"{name}\0{value}\0".encode())
        for key, table_mapping in sorted(self.mapping.items()):
            digest.update(f"{key}\0{table_mapping.to_json()}\0".encode())
        return digest.hexdigest()


Filters = tuple[tuple[str, tuple[str, ...]], ...]  # ((attribute, accepted values), …): hashable
GRANULARITIES = ("month", "quarter", "year")


@dataclass(frozen=True)
class State:
    """Everything a page needs to know about what the user is looking at."""

    workspace: Workspace
    as_of: str | None  # YYYY-MM, None when the workspace has no month with data
    granularity: str = "month"  # month, quarter or year: trends and cohorts
    filters: Filters = ()  # segment filters on customer attributes
    settings: Settings = Settings()

    @property
    def report_settings(self) -> Settings:
        """The settings with the sidebar's granularity applied to cohorts."""
        return replace(self.settings, cohort_period=self.granularity)

    def filter_text(self) -> str:
        return " · ".join(f"{attribute}: {', '.join(values)}" for attribute, values in self.filters)
