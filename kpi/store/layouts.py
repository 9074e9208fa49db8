"""The mapping remembered per file layout, kept in the store (the app's `LayoutMemory`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpi.ingest.io import Sheet
    from kpi.ingest.mapping import TableMapping
    from kpi.store.workspaces import Store



class StoredLayoutMemory:
    """Remembered mappings per file layout, in the store: the contract of
    `kpi.ingest.layouts.LayoutMemory` (which keeps them in a JSON file)."""

    def __init__(self, store: Store, owner: str | None = None) -> None:
        self.store = store
        self.owner = owner

    def recall(self, sheet: Sheet) -> TableMapping | None:
        """The mapping remembered for this sheet's layout, if its columns are all still there."""
        from kpi.ingest.layouts import layout_signature
        from kpi.ingest.mapping import TableMapping

        spec = self.store.recall_layout(layout_signature(sheet), owner=self.owner)
        if not spec:
            return None
        try:
            mapping = TableMapping.from_json(sheet.key, spec)
        except Exception:  # remembered by an older version, no longer valid
            return None
        return mapping if set(mapping.columns.values()) <= set(map(str, sheet.frame.columns)) else None

    def remember(self, sheet: Sheet, mapping: TableMapping) -> None:
        from kpi.ingest.layouts import layout_signature

        self.store.remember_layout(layout_signature(sheet), mapping.to_json(), owner=self.owner)
