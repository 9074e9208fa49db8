"""The MRR forecast drawn as a forecast: actual MRR solid, the median dashed with its 80 % band,
the as-of month marked, and the backtest's figures beside it. Builds figures; never renders them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from kpi import formatting as fmt
from kpi.metrics.forecast import MIN_HISTORY, Forecast
from ui.charts import COLORS

BAND_FILL = "rgba(59,91,219,0.16)"


def backtest_sentence(forecast: Forecast) -> str:
    """"Backtest, 12 origins: MAPE at 3 months 4.1 % vs 6.0 % for a straight-line drift; 80 % band
    held 83 % of actuals", or why there is no backtest yet."""
    test = forecast.backtest
    if test.origins == 0 or test.mape_h3 is None:
        return (f"No backtest yet: it needs forecasts made {MIN_HISTORY} months or more into the history "
                "and at least 3 months before this one.")
    origins = f"{test.origins} origin{'s' if test.origins != 1 else ''}"
    return (f"Backtest, {origins}: MAPE at 3 months {fmt.percent(test.mape_h3)} vs "
            f"{fmt.percent(test.naive_mape_h3)} for a straight-line drift; 80 % band held "
            f"{fmt.percent(test.coverage_80, 0)} of actuals")


def forecast_caption(forecast: Forecast) -> str:
    """The method in one sentence, then the backtest in words."""
    return f"{forecast.method} {backtest_sentence(forecast)}."


def no_forecast_sentence(history_months: int) -> str:
    """Why there is no forecast: fewer than MIN_HISTORY months of MRR history, and how many there are."""
    if history_months <= 0:
        return "No forecast: there is no recurring revenue yet."
    months = f"{history_months} month{'s' if history_months != 1 else ''}"
    return (f"No forecast: it needs at least {MIN_HISTORY} months of MRR history and there "
            f"{'is' if history_months == 1 else 'are'} {months} up to this month.")


def forecast_figure(history: pd.Series, forecast: Forecast, currency: str | None) -> go.Figure:
    """Actual MRR (a solid line, months ≤ as_of) then the forecast: the p10–p90 band shaded
    ("80 % band") and the median dashed ("Forecast (median)") from the as-of month on, a dotted
    vertical line at the as-of month and the backtest's figures as the subtitle."""
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    actual = history[pd.PeriodIndex(history.index, freq="M") <= forecast.as_of]
    x_actual = pd.PeriodIndex(actual.index, freq="M").to_timestamp()
    last = float(actual.iloc[-1]) if len(actual) else float("nan")
    # the forecast lines start at the as-of month's actual MRR, so they join the history
    x_forecast = pd.PeriodIndex([forecast.as_of, *forecast.months.index], freq="M").to_timestamp()
    band = {name: [last, *forecast.months[name]] for name in ("p10", "p50", "p90")}
    figure = go.Figure()
    figure.add_scatter(x=x_actual, y=actual, name="MRR (actual)", mode="lines",
                       line={"color": COLORS["mrr"], "width": 3},
                       hovertemplate=f"MRR {symbol}%{{y:,.0f}}<extra></extra>")
    figure.add_scatter(x=x_forecast, y=band["p90"], name="80 % band (p90)", mode="lines",
                       line={"width": 0, "color": COLORS["mrr"]}, showlegend=False,
                       hovertemplate=f"90th percentile {symbol}%{{y:,.0f}}<extra></extra>")
    figure.add_scatter(x=x_forecast, y=band["p10"], name="80 % band", mode="lines", fill="tonexty",
                       fillcolor=BAND_FILL, line={"width": 0, "color": COLORS["mrr"]},
                       hovertemplate=f"10th percentile {symbol}%{{y:,.0f}}<extra></extra>")
    figure.add_scatter(x=x_forecast, y=band["p50"], name="Forecast (median)", mode="lines",
                       line={"color": COLORS["mrr"], "width": 3, "dash": "dash"},
                       hovertemplate=f"Forecast {symbol}%{{y:,.0f}}<extra></extra>")
    as_of = forecast.as_of.to_timestamp()
    figure.add_vline(x=as_of, line={"dash": "dot", "color": "#868e96", "width": 1})
    figure.add_annotation(x=as_of, y=1, yref="paper", text=f"As of {forecast.as_of.strftime('%B %Y')}",
                          showarrow=False, xanchor="right", yanchor="bottom", font={"color": "#868e96"})
    figure.update_layout(
        title={"text": f"MRR forecast, next {len(forecast.months)} months"
                       f"<br><sup>{backtest_sentence(forecast)}</sup>"},
        height=420, margin={"l": 10, "r": 10, "t": 80, "b": 10}, hovermode="x unified",
        legend={"orientation": "h", "y": -0.12, "x": 0},
    )
    figure.update_yaxes(title_text=f"MRR ({currency or 'amount'})", tickprefix=symbol, rangemode="tozero")
    figure.update_xaxes(tickformat="%b %Y")
    return figure
