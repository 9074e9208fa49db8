"""How numbers look to people (UI, Markdown, text). Rates are fractions in the engine; only this module formats them."""

from __future__ import annotations

import math

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}
NOT_AVAILABLE = "n/a"


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, currency: str | None = None, *, compact: bool = True) -> str:
    """€51.2k, $1.3M, €950 — compact by default, like investor updates."""
    if missing(value):
        return NOT_AVAILABLE
    symbol = CURRENCY_SYMBOLS.get((currency or "").upper(), "" if not currency else f"{currency.upper()} ")
    sign = "−" if value < 0 else ""
    size = abs(value)
    if compact and size >= 1_000_000:
        text = f"{size / 1_000_000:.2f}M"
    elif compact and size >= 10_000:
        text = f"{size / 1_000:.1f}k"
    elif compact and size >= 1_000:
        text = f"{size / 1_000:.2f}k"
    else:
        text = f"{size:,.0f}" if size >= 100 else f"{size:,.2f}"
    return f"{sign}{symbol}{text}"


def percent(value: float | None, digits: int = 1) -> str:
    if missing(value):
        return NOT_AVAILABLE
    return f"{value * 100:.{digits}f} %".replace("-", "−")


def count(value: float | None) -> str:
    if missing(value):
        return NOT_AVAILABLE
    return f"{int(round(value)):,}".replace(",", "\u202f")


def ratio(value: float | None) -> str:
    if missing(value):
        return NOT_AVAILABLE
    return f"{value:.2f}×"


def relative_change(value: float | None, previous: float | None) -> str | None:
    """'+6.1 %' month over month; None when there is nothing to compare with."""
    if missing(value) or missing(previous) or previous == 0:
        return None
    change = value / previous - 1
    return f"{change * 100:+.1f} %"  # ASCII sign: st.metric reads the direction from it


def point_change(value: float | None, previous: float | None) -> str | None:
    """'+0.4 pp' for rates: the difference in percentage points."""
    if missing(value) or missing(previous):
        return None
    return f"{(value - previous) * 100:+.1f} pp"
