"""A workspace's settings as JSON: the report's conventions, KPI targets and investor-update texts.

The store keeps settings as an opaque JSON object; this module reads and writes the parts the
report layer owns, forgiving anything unknown or malformed so a hand-edited or older settings
JSON still opens.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from kpi.metrics.alerts import rules_from_pairs
from kpi.metrics.allocation import RULES
from kpi.report.build import Settings

EVENTS_SOURCES = ("file", "database")  # Settings.events_source: the events file, or the team's events database

# ── Settings as JSON ───────────────────────────────────────────────────────────────────────


def settings_to_json(value: Settings, **extra: Any) -> str:
    """`kpi.report.build.Settings` (and any `extra` keys the pages keep, e.g. targets) as JSON."""
    return json.dumps({**dataclasses.asdict(value), **extra}, ensure_ascii=False, indent=2)


def settings_from_json(text: str) -> Settings:
    """The `Settings` in a settings JSON; unknown keys are ignored, missing ones default, so
    settings saved by an older or newer version still open."""
    data = json.loads(text or "{}")
    defaults = Settings()
    values = {}
    for spec in dataclasses.fields(Settings):
        if spec.name in data:
            value = data[spec.name]
            values[spec.name] = _tuples(value) if isinstance(getattr(defaults, spec.name), tuple) else value
    if values.get("cost_allocation") not in (None, *RULES):  # an unknown rule falls back to the default
        del values["cost_allocation"]
    if "events_source" in values and values["events_source"] not in EVENTS_SOURCES:  # anything else: its file
        del values["events_source"]
    if "alert_rules" in values:  # only well-formed (parameter, value) pairs: the rules read them one by one
        values["alert_rules"] = alert_rules_of(values["alert_rules"])
    return dataclasses.replace(defaults, **values)


def alert_rules_of(value: Any) -> tuple[tuple[str, float | bool], ...]:
    """`Settings.alert_rules` from a settings JSON's value: the pairs that change a rule, in the
    rules' order; anything malformed is dropped (its rule keeps its default)."""
    pairs = value if isinstance(value, tuple | list) else ()
    given = {pair[0] for pair in pairs if isinstance(pair, tuple | list) and len(pair) == 2}
    return tuple(pair for pair in rules_from_pairs(pairs).pairs() if pair[0] in given)


def _settings_section(text: str, name: str) -> dict:
    """One object-valued key of a settings JSON; {} when the JSON or the key is not that shape."""
    try:
        section = json.loads(text or "{}").get(name)
    except (json.JSONDecodeError, RecursionError, AttributeError):
        return {}
    return section if isinstance(section, dict) else {}


def targets_from_json(text: str) -> dict[str, float]:
    """The KPI targets kept with a workspace's settings (`{"targets": {"mrr": 60000, …}}`): only
    headline KPIs of the investor update with a finite number; anything else is dropped, so a
    hand-edited or hostile settings JSON cannot break a page."""
    from kpi.report.update import HEADLINE_SPECS

    known = {key for key, *_ in HEADLINE_SPECS}
    raw = _settings_section(text, "targets")
    return {key: float(value) for key, value in raw.items()
            if key in known and isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value)}


def update_texts_from_json(text: str) -> dict[str, dict]:
    """The investor-update texts kept with a workspace's settings, per period
    (`{"investor_updates": {"2026-10:month": {"commentary": {"asks": …}, "narratives":
    {"previous:en": …}}}}`); anything not of that shape is dropped."""
    raw = _settings_section(text, "investor_updates")

    def strings(value: Any) -> dict[str, str]:
        return {str(k): v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}

    return {str(key): {"commentary": strings(record.get("commentary")), "narratives": strings(record.get("narratives"))}
            for key, record in raw.items() if isinstance(record, dict)}


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
