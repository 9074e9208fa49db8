"""Report: every metric of one month as one object, for the pages, the CLI and the exports alike.

- `build`: `build_report(tables, as_of, settings)` → `Report`, with its `Settings` (the
  conventions a user can change), segment filters and the JSON report (`Report.to_json()`);
- `sections`: every section but revenue computed on its first read (a page pays for what it
  shows; `to_json()` reads them all); `segments`: the tables of a segment filter;
- `explain`: each headline KPI's formula written with this month's numbers;
- `update`: the investor update of a month or quarter (headline against a comparison period,
  highlights and lowlights); `update_views` the tables its exports share;
- `narrative`: the update's narrative, written from the numbers in English or French;
- `settings_json`: a workspace's settings, targets and update texts as the store keeps them (JSON);
- `significance`: whether a KPI's change deserves a colour (zero as displayed never; NPS, CSAT
  and FCR only beyond the 95 % margin of the difference), shared by the cards and the deck.

May import: `kpi.metrics`, `kpi.ingest` (the canonical tables and their quality report) and the
shared vocabulary (`kpi.errors`, `kpi.formatting`, `kpi.ids`, `kpi.text`). Never `kpi.exports` or
`kpi.store`.
"""
