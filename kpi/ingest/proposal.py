"""A recognised sheet: its table, the column of each field, how sure, and why in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from kpi.ingest.mapping import TableMapping


@dataclass(frozen=True)
class Proposal:
    """The recognised table of one sheet and the column chosen for each field, with confidences
    and the reason of each choice ("header 'mrr_amount' names the amount; values are money")."""

    key: str
    table: str | None
    confidence: float
    columns: dict[str, str] = field(default_factory=dict)
    field_confidence: dict[str, float] = field(default_factory=dict)
    layout: str = "long"
    rank: float = field(default=0.0, compare=False, repr=False)  # unclipped score: breaks ties at 100 %
    options: dict = field(default_factory=dict)  # mapping options read from the sheet (amounts in cents)
    reason: str = field(default="", compare=False)  # why this table (or why none)
    field_reasons: dict[str, str] = field(default_factory=dict, compare=False)  # field -> why this column

    def mapping(self) -> TableMapping:
        return TableMapping(self.table or "", dict(self.columns), self.layout, dict(self.options))
