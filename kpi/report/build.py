"""The whole report as one object: what the pages, the CLI and the exports all read.

`build_report(tables, as_of)` computes every section that its tables allow; a section whose
table was not given is None (null in JSON, docs/cli.md). `Report.to_json()` is the JSON
report of the CLI contract; `Report.headline()` the KPI cards with their previous month.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.ingest.mapping import ENDED_STATUSES, TableQuality, Tables
from kpi.ingest.subscription_rows import ROW_READINGS, newer_rows_replace_older
from kpi.metrics import allocation as cost_allocation
from kpi.metrics import churn_reasons as churn_reason_analysis
from kpi.metrics import cohorts as cohort_analysis
from kpi.metrics import economics, engagement, health, periods, renewals, revenue, support, surveys
from kpi.metrics import orders as order_analysis
from kpi.metrics import snapshot as snapshot_analysis
from kpi.metrics.event_aggregates import EventAggregates
from kpi.metrics.finance import FINANCE_KEYS
from kpi.metrics.forecast import Forecast, forecast_mrr
from kpi.report.finance import build_finance, build_plan
from kpi.report.sections import Section, Sections
from kpi.report.segments import filter_tables, matrix_rows, segment_attributes  # noqa: F401  (pages import them)


@dataclass(frozen=True)
class Settings:
    """Conventions a user may change (each default is the one of docs/definitions.md)."""

    cohort_by: str = "first_payment"  # or "signup": cohorts by the customers table's signup_date
    cohort_period: str = "month"  # "month", "quarter" or "year"
    survey_window: int | str = surveys.SURVEY_WINDOW_DAYS  # days, "month" or "all"
    nps_rule: str = "all"  # or "latest": each customer's latest answer
    value_event: str = engagement.VALUE_EVENT  # the event that means "first value" (TTFV)
    gross_margin: float = economics.DEFAULT_GROSS_MARGIN  # used when no COGS costs are mapped
    ltv_churn_months: int = economics.CHURN_MONTHS  # LTV: churn averaged over this many months
    cac_months: int = economics.CAC_MONTHS  # CAC, payback and margin window
    reporting_currency: str | None = None  # with `rates`: convert every amount to this currency
    rates: tuple[tuple[str, float], ...] = ()  # (currency, value of one unit in the reporting currency)
    subscription_rows: str = "add"  # or "replace": a customer's newer subscription row replaces the older one
    cost_allocation: str = "mrr_share"  # under a segment filter: "mrr_share", "new_customers_share" or "none"
    financing_categories: tuple[tuple[str, bool], ...] = ()  # (bank category, counts as financing): overrides its words
    alert_rules: tuple[tuple[str, float | bool], ...] = ()  # (parameter, value): overrides the AlertRules defaults
    events_source: str = "file"  # or "database": the team's events database counts DAU/MAU, TTFV (ui/events_source.py)


@dataclass(frozen=True)
class Revenue:
    """The revenue side of a data set, computed once for every month.

    The renewal rates need the subscription rows (`rows`) and are the costliest part: they are
    computed on first read of `renewals`, `annual_renewals` or `kpis` (whose renewal_rate column
    they fill); `core_kpis` is every other revenue KPI, for what never shows a renewal rate."""

    mrr: pd.DataFrame  # customer × month matrix
    series: pd.DataFrame  # movements per month
    currency: str | None
    rows: pd.DataFrame | None = field(default=None, compare=False, repr=False)  # subscription rows, for renewals
    basis: tuple = field(default=(), compare=False, repr=False)  # its source table and the settings that read it
    counted: np.ndarray | None = field(default=None, compare=False, repr=False)  # source rows summed (positions)

    @cached_property
    def core_kpis(self) -> pd.DataFrame:
        """Every revenue KPI per month (`revenue.revenue_kpis`), renewal_rate left NaN."""
        return revenue.revenue_kpis(self.mrr, self.series, None)

    @cached_property
    def _renewal_tables(self) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        if self.rows is None:
            return None, None
        return renewals.renewal_rates_by_month(self.rows, self.mrr, self.mrr.columns)  # all plans, annual plans

    @property
    def renewals(self) -> pd.DataFrame | None:
        """renewing, renewed, renewal_rate per month (subscriptions only)."""
        return self._renewal_tables[0]

    @property
    def annual_renewals(self) -> pd.DataFrame | None:
        """The same over the annual plans' rows."""
        return self._renewal_tables[1]

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """Every revenue KPI per month, renewal_rate included (NaN without subscription rows)."""
        if self.renewals is None:
            return self.core_kpis
        kpis = self.core_kpis.copy()
        kpis["renewal_rate"] = self.renewals["renewal_rate"].reindex(kpis.index).astype(float)
        return kpis


@dataclass(frozen=True)
class Metric:
    """One KPI for the as-of month, with the month before for the delta and its history."""

    key: str
    value: float | None
    previous: float | None
    history: pd.Series  # the KPI per month up to as_of, for sparklines

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Report:
    as_of: pd.Period | None
    revenue: Revenue | None
    quality: dict[str, TableQuality]
    sections: Sections = field(default_factory=Sections, compare=False, repr=False)  # computed on first read
    settings: Settings = Settings()
    tables: Tables | None = field(default=None, compare=False, repr=False)
    allocation: cost_allocation.Allocation | None = field(default=None, compare=False, repr=False)  # segment reports

    # every section but revenue, computed on first read (kpi.report.sections), None when its table was not given
    cohorts = Section()  # cohort_analysis.Cohorts | None
    orders = Section()  # order_analysis.OrdersSummary | None
    unit_economics = Section()  # economics.UnitEconomics | None
    nps = Section()  # surveys.NPS | None
    csat = Section()  # surveys.CSAT | None
    ces = Section()  # surveys.CES | None
    support = Section()  # support.Support | None
    engagement = Section()  # engagement.Engagement | None
    churn_reasons = Section()  # churn_reason_analysis.ChurnReasons | None
    snapshot = Section()  # snapshot_analysis.Snapshot | None
    finance = Section()  # Finance | None
    plan = Section()  # PlanVsActual | None

    @property
    def currency(self) -> str | None:
        return self.revenue.currency if self.revenue else None

    @property
    def months(self) -> pd.PeriodIndex:
        """Months with revenue up to as_of (the `series` of the JSON report)."""
        if self.revenue is None or self.as_of is None:
            return pd.PeriodIndex([], freq="M")
        index = self.revenue.series.index
        return index[index <= self.as_of]

    def metric(self, key: str, back: int = 1) -> Metric:
        """A KPI at as_of, with its value `back` months earlier (1: the previous month; 3: the
        previous quarter's same month; 12: a year ago) and its monthly history.

        Revenue KPIs come from the revenue table; the others (OTHER_KPIS) from their own
        monthly series, computed with the report's settings."""
        if key in revenue.REVENUE_KPIS:
            kpis = self.revenue.kpis if key == "renewal_rate" else self.revenue.core_kpis  # renewals: when read
            history = kpis.loc[self.months, key] if self.revenue is not None and self.as_of is not None \
                else pd.Series(dtype=float)
        else:
            history = self._history(key)
            history = history if history is not None else pd.Series(dtype=float)
        history = history[history.index <= self.as_of] if self.as_of is not None else history
        value = _number(history.iloc[-1]) if len(history) and history.index[-1] == self.as_of else None
        earlier = self.as_of - back if self.as_of is not None else None
        previous = _number(history.get(earlier)) if value is not None and earlier in history.index else None
        return Metric(key, value, previous, history)

    @cached_property
    def forecast(self) -> Forecast | None:
        """The 12-month MRR forecast from the data up to as_of (kpi.metrics.forecast), computed on
        first use: a page that does not draw it never pays for it; None under 12 months of history."""
        if self.revenue is None or self.as_of is None:
            return None
        return forecast_mrr(self.revenue.mrr, self.revenue.series, self.as_of)

    @cached_property
    def _period_tables(self) -> dict[str, pd.DataFrame]:
        return {}

    def period_table(self, granularity: str) -> pd.DataFrame:
        """`kpi.metrics.periods.period_kpis` of the revenue up to as_of (one row per month, quarter
        or year; the last one partial when its period goes on), computed once per granularity."""
        if self.revenue is None or self.as_of is None:
            return pd.DataFrame(columns=periods.PERIOD_KPIS)
        if granularity not in self._period_tables:
            self._period_tables[granularity] = periods.period_kpis(self.revenue.mrr, self.revenue.series,
                                                                   granularity, self.as_of)
        return self._period_tables[granularity]

    @cached_property
    def histories(self) -> dict[str, pd.Series]:
        """Monthly series of the non-revenue headline KPIs, up to as_of."""
        out: dict[str, pd.Series] = {}
        for family in (*HISTORY_FAMILIES, "economics"):
            out.update(self._family_histories(family))
        return out

    def _history(self, key: str) -> pd.Series | None:
        """One non-revenue KPI's monthly series (`histories[key]`), computing only its family."""
        family = next((name for name, keys in HISTORY_FAMILIES.items() if key in keys), "economics")
        found = self._family_histories(family).get(key)
        return found if found is not None or family != "finance" else self._family_histories("economics").get(key)

    def _family_histories(self, family: str) -> dict[str, pd.Series]:
        """The monthly series of one family of HISTORY_FAMILIES (or "economics"), once per report."""
        cache = self._period_tables  # the report's own cache of derived tables
        if ("histories", family) not in cache:
            if self.tables is None or self.as_of is None:
                cache["histories", family] = {}
            elif family == "finance":
                cache["histories", family] = {key: self.finance.by_month[key].astype(float)
                                              for key in FINANCE_MONTHLY} if self.finance is not None else {}
            else:
                engaged = self.engagement.by_month if family == "dau_mau" and self.engagement is not None else None
                cache["histories", family] = other_kpi_histories(
                    self.tables, self.revenue, self.as_of, self.settings, families=(family,),
                    dau_mau=engaged["dau_mau"] if engaged is not None else None)
        return cache["histories", family]

    def headline(self, keys: tuple[str, ...] = ("mrr", "arr", "customers", "arpa", "logo_churn_rate", "nrr_monthly")) -> list[Metric]:
        return [self.metric(key) for key in keys]

    def series_frame(self) -> pd.DataFrame:
        if self.revenue is None:
            return pd.DataFrame(columns=revenue.SERIES_COLUMNS)
        return self.revenue.series.loc[self.months]

    def to_json(self) -> dict:
        """The JSON report of docs/cli.md (sections this build cannot compute are null)."""
        revenue_section = None
        series = None
        if self.revenue is not None and self.as_of is not None:
            row = self.revenue.kpis.loc[self.as_of]
            revenue_section = {key: _number(row[key]) for key in revenue.REVENUE_KPIS}
            frame = self.series_frame()
            series = [
                {"month": str(month), **{key: _number(frame.at[month, key]) for key in (
                    "mrr", "customers", "new", "expansion", "contraction", "churn", "reactivation",
                    "new_customers", "churned_customers", "reactivated_customers")}}
                for month in frame.index
            ]
        return {
            "as_of": str(self.as_of) if self.as_of is not None else None,
            "currency": self.currency,
            "revenue": revenue_section,
            "series": series,
            "cohorts": _section(self.cohorts),
            "unit_economics": _section(self.unit_economics),
            "nps": _section(self.nps),
            "csat": _section(self.csat),
            "ces": _section(self.ces),
            "support": _section(self.support),
            "engagement": _section(self.engagement),
            "orders": _section(self.orders),
            "churn_reasons": _section(self.churn_reasons),
            "snapshot": _section(self.snapshot),
            "finance": _section(self.finance),
            "plan": _section(self.plan),
            "forecast": _section(self.forecast),
            "alerts": self._alerts_json(),
            "data_quality": {key: quality.to_json() for key, quality in self.quality.items()},
        }

    def _alerts_json(self) -> list[dict]:
        """The alerts of the as-of month under the report's alert rules (no targets: a workspace's
        targets are passed to `kpi.report.alerts.evaluate_alerts` by whoever holds them)."""
        from kpi.report.alerts import alerts_json, evaluate_alerts  # it reads this module's Report

        return alerts_json(evaluate_alerts(self))


def _section(result: object) -> dict | None:
    return result.to_json() if result is not None else None


def _number(value: object) -> float | int | None:
    """JSON-ready number: NaN/NA → None, integral counts → int."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer, int)):
        return int(value)
    value = float(value)
    return None if math.isnan(value) else value


def build_revenue(tables: Tables, settings: Settings | None = None, *,
                  company: Revenue | None = None) -> Revenue | None:
    """The MRR matrix from subscriptions, else invoices, else MRR rows (one source is used, so
    nothing is counted twice); None without revenue data. With a rates table every amount is
    converted to the reporting currency; without one, mixed currencies are an error.

    `company`: for the tables of a segment (`filter_tables`), the whole company's revenue; when
    it was read from the same table under the same settings, the segment's matrix is its rows
    (`revenue.matrix_of`: the same numbers, without summing the rows again)."""
    settings = settings or Settings()
    if settings.subscription_rows not in ROW_READINGS:
        raise InputError(f"the setting subscription_rows is '{settings.subscription_rows}'; "
                         f"expected one of: {', '.join(ROW_READINGS)}")
    for table, spans_of in SPANS:
        rows = tables.get(table)
        if rows is None or rows.empty:
            continue
        if settings.rates:
            rows = revenue.convert_currency(rows, dict(settings.rates), table)
            currency = settings.reporting_currency
        else:
            currency = revenue.check_single_currency(rows, table)
        if table == "subscriptions" and settings.subscription_rows == "replace":
            rows = newer_rows_replace_older(rows)  # plan changes written as new rows (§2)
        basis = (table, settings.subscription_rows, settings.rates, settings.reporting_currency)
        whole = company if company is not None and company.basis == basis else None
        spans = spans_of(rows)
        counted = spans.counted["row"].to_numpy(dtype=np.int64)
        positions = matrix_rows(tables, table, counted, whole.counted, len(whole.mrr)) if whole is not None else None
        mrr = revenue.matrix_of(spans, whole.mrr if whole is not None else None, positions)
        if table == "mrr":
            mrr = revenue.from_first_paying_month(mrr)
        if mrr.shape[1] == 0:
            return None
        # the renewal rates read the subscription rows, on first use (Revenue.renewals)
        return Revenue(mrr, revenue.movements(mrr), currency, rows if table == "subscriptions" else None, basis,
                       counted)
    return None


# the revenue sources in the order they are tried, each with the spans of its matrix (kpi.metrics.revenue)
SPANS = (("subscriptions", revenue.subscription_spans), ("invoices", revenue.invoice_spans),
         ("mrr", revenue.long_spans))


def parse_as_of(text: str | None) -> pd.Period | None:
    """'2025-06' → Period; anything but YYYY-MM is an InputError."""
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise InputError(f"as-of '{text}' is not a month written YYYY-MM")
    return pd.Period(text.strip(), freq="M")


# where each table records something that happened: the as-of month defaults to the latest
ACTIVITY_DATES = (("subscriptions", "start_date"), ("invoices", "date"), ("mrr", "month"), ("orders", "date"),
                  ("events", "timestamp"), ("nps", "date"), ("csat", "date"), ("ces", "date"),
                  ("tickets", "created_at"), ("costs", "month"), ("cash", "date"))


def last_activity_month(tables: Tables, today: pd.Timestamp | None = None) -> pd.Period | None:
    """The last month with observed activity in any table (None when no table has a date).

    Activity is a subscription's start, an invoice, an MRR month, an order, an event, a survey
    answer, a ticket created, a cost. A subscription's end date is activity once it has
    happened — on or before `today` (default: now), or on a row whose status says it ended: a
    later one is a scheduled cancellation, and the report's month must not move into the future."""
    latest: list[pd.Timestamp] = []
    for table, column in ACTIVITY_DATES:
        frame = tables.get(table)
        if frame is not None and column in frame and frame[column].notna().any():
            latest.append(_timestamp(frame[column].max()))
    subscriptions = tables.get("subscriptions")
    if subscriptions is not None and "end_date" in subscriptions:
        ends = subscriptions["end_date"]
        happened = (ends <= (today if today is not None else pd.Timestamp.now())).fillna(False).to_numpy(dtype=bool)
        if "status" in subscriptions:
            status = (subscriptions["status"].astype("string").str.strip().str.lower()
                      .str.replace(r"[\s_'’-]+", " ", regex=True))
            happened = happened | status.isin(ENDED_STATUSES).fillna(False).to_numpy(dtype=bool)
        if ends[happened].notna().any():
            latest.append(_timestamp(ends[happened].max()))
    return pd.Period(max(latest), freq="M") if latest else None


def _timestamp(value: object) -> pd.Timestamp:
    return value.to_timestamp() if isinstance(value, pd.Period) else pd.Timestamp(value)


def default_as_of(tables: Tables, revenue_part: Revenue | None, today: pd.Timestamp | None = None) -> pd.Period | None:
    """The month a report is on when none is asked for: `last_activity_month`, kept within the
    months of the revenue data when there is revenue (its KPIs exist only there)."""
    month = last_activity_month(tables, today)
    if revenue_part is None:
        return month
    months = revenue_part.series.index
    if month is None or month > months[-1]:
        return months[-1]
    return max(month, months[0])


def reportable_months(tables: Tables, settings: Settings = Settings()) -> list[pd.Period]:
    """The months one can report on, as `build_report(tables, None, settings)` would offer them
    without computing the rest of the report: every month with revenue up to `default_as_of`,
    else that last month of activity alone, else none."""
    revenue_part = build_revenue(tables, settings)
    month = default_as_of(tables, revenue_part)
    if month is None:
        return []
    if revenue_part is None:
        return [month]
    index = revenue_part.series.index
    return list(index[index <= month])


def build_cohorts(tables: Tables, revenue_part: Revenue | None, as_of: pd.Period,
                  settings: Settings) -> cohort_analysis.Cohorts | None:
    """Cohorts from revenue when given, else from orders, else from events (docs/cli.md)."""
    cohort_dates = None
    customers = tables.get("customers")
    if settings.cohort_by == "signup" and customers is not None and "signup_date" in customers:
        cohort_dates = customers.set_index("customer_id")["signup_date"].dropna()
    options = {"period": settings.cohort_period, "as_of": as_of, "cohort_dates": cohort_dates}
    if revenue_part is not None:
        return cohort_analysis.revenue_cohorts(revenue_part.mrr, **options)
    orders = tables.get("orders")
    if orders is not None and not orders.empty:
        return cohort_analysis.order_cohorts(orders, **options)
    events = tables.get("events")
    if events is not None and not events.empty:
        return cohort_analysis.event_cohorts(events, **options)
    return None


def _given(tables: Tables, table: str) -> pd.DataFrame | None:
    frame = tables.get(table)
    return frame if frame is not None and not frame.empty else None


def _scale(tables: Tables, table: str, default: tuple[float, float]) -> tuple[float, float]:
    scale = tables.options.get(table, {}).get("scale")
    return (float(scale[0]), float(scale[1])) if scale else default


def build_report(tables: Tables, as_of: pd.Period | str | None = None, settings: Settings = Settings(), *,
                 company: Revenue | pd.DataFrame | None = None, events: EventAggregates | None = None) -> Report:
    """The report for `as_of` (default: `default_as_of`, the last month with observed activity);
    a section is None when its table was not given.

    `company`: for the tables of a segment (`filter_tables`), the whole company's revenue (its
    matrix then holds the segment's, `build_revenue`) or its monthly movements (`series`); the
    company-wide costs are charged to the segment by `settings.cost_allocation`
    (kpi.metrics.allocation) and `Report.allocation` says how.
    `events`: the events' aggregates counted by a database (kpi.ingest.sql_events), used
    instead of an events table for DAU/MAU and TTFV."""
    whole = company if isinstance(company, Revenue) else None
    company = whole.series if whole is not None else company
    revenue_part = build_revenue(tables, settings, company=whole)
    tables, allocated = _segment_costs(tables, revenue_part, company, settings)
    month = parse_as_of(as_of) if isinstance(as_of, str) else as_of
    if month is None:
        month = default_as_of(tables, revenue_part)
    elif revenue_part is not None and month not in revenue_part.series.index:
        months = revenue_part.series.index
        raise InputError(f"as-of month {month} is outside the revenue data ({months[0]} … {months[-1]})")
    if month is None:  # no date anywhere: a customer list without dates still has its snapshot (§13)
        return Report(None, None, dict(tables.quality), Sections(snapshot=build_snapshot(tables, revenue_part)),
                      settings=settings, tables=tables, allocation=allocated)
    return Report(tables=tables, as_of=month, revenue=revenue_part, quality=dict(tables.quality),
                  sections=_sections(tables, revenue_part, month, settings, company, events),
                  settings=settings, allocation=allocated)


def _sections(tables: Tables, revenue_part: Revenue | None, month: pd.Period, settings: Settings,
              company: pd.DataFrame | None, events: EventAggregates | None) -> Sections:
    """Every section of the report for `month` but revenue, each as the function computing it on
    first read; a section whose table was not given has none (it is None)."""
    survey = {"as_of": month, "window": settings.survey_window, "rule": settings.nps_rule}
    orders, nps_rows, csat_rows, ces_rows = (_given(tables, t) for t in ("orders", "nps", "csat", "ces"))
    tickets = _given(tables, "tickets")
    events = events if events is not None else _given(tables, "events")
    builders = {
        "cohorts": lambda: build_cohorts(tables, revenue_part, month, settings),
        "churn_reasons": lambda: build_churn_reasons(tables, revenue_part, month),
        "snapshot": lambda: build_snapshot(tables, revenue_part),
        "finance": lambda: build_finance(tables, revenue_part, month, settings, company=company),
        "plan": lambda: build_plan(tables, revenue_part, sections.get("finance"), month, company=company),
    }
    if orders is not None:
        builders["orders"] = lambda: order_analysis.orders_summary(orders, end=month)
    if revenue_part is not None:
        builders["unit_economics"] = lambda: economics.unit_economics(
            revenue_part.series, _given(tables, "costs"), month, gross_margin=settings.gross_margin,
            cac_months=settings.cac_months, churn_months=settings.ltv_churn_months)
    if nps_rows is not None:
        builders["nps"] = lambda: surveys.nps(nps_rows, **survey)
    if csat_rows is not None:
        builders["csat"] = lambda: surveys.csat(csat_rows, scale=_scale(tables, "csat", surveys.CSAT_SCALE), **survey)
    if ces_rows is not None:
        builders["ces"] = lambda: surveys.ces(ces_rows, scale=_scale(tables, "ces", surveys.CES_SCALE), **survey)
    if tickets is not None:
        builders["support"] = lambda: support.support(tickets, as_of=month)
    if events is not None:
        builders["engagement"] = lambda: engagement.engagement(
            events, _given(tables, "customers"), as_of=month, value_event=settings.value_event,
            mrr=revenue_part.mrr if revenue_part is not None else None)
    sections = Sections(builders)
    return sections


def _segment_costs(tables: Tables, revenue_part: Revenue | None, company: pd.DataFrame | None,
                   settings: Settings) -> tuple[Tables, cost_allocation.Allocation | None]:
    """A segment's tables with its share of the company-wide costs (or none of them), and how."""
    costs = _given(tables, "costs")
    if company is None or revenue_part is None:
        return tables, None
    rule = settings.cost_allocation if settings.cost_allocation in cost_allocation.RULES else "mrr_share"
    if costs is None:
        return tables, cost_allocation.Allocation(rule, cost_allocation.shares(revenue_part.series, company))
    allocated, how = cost_allocation.allocate(costs, revenue_part.series, company, rule)
    frames = {name: frame for name, frame in tables.frames.items() if name != "costs"}
    if allocated is not None:
        frames["costs"] = allocated
    return Tables(frames, tables.quality, tables.options), how


def build_snapshot(tables: Tables, revenue_part: Revenue | None) -> snapshot_analysis.Snapshot | None:
    """The §13 snapshot of a customers table with `mrr` and a churn flag or status, when there is
    no revenue data (with revenue, the monthly KPIs say more); None otherwise."""
    customers = _given(tables, "customers")
    if revenue_part is not None or not snapshot_analysis.applies(customers):
        return None
    return snapshot_analysis.snapshot(customers)


def build_churn_reasons(tables: Tables, revenue_part: Revenue | None,
                        as_of: pd.Period) -> churn_reason_analysis.ChurnReasons | None:
    """Churned customers and MRR by reason over the 12 months to as_of (§12); None without a
    churn_reasons table or without revenue (the churns are the revenue's churn movements)."""
    reasons = _given(tables, "churn_reasons")
    if reasons is None or revenue_part is None:
        return None
    return churn_reason_analysis.churn_reasons(revenue_part.mrr, reasons, as_of)


FINANCE_MONTHLY = tuple(key for key in FINANCE_KEYS if key != "cash_zero_month")  # monthly finance KPIs
OTHER_KPIS = ("nps", "csat", "ces", "fcr", "median_resolution_hours", "dau_mau", "ltv", "cac", "ltv_cac",
              "payback_months", "crc", "cs_roi", "gross_margin")
ECONOMICS_MONTHS = 13  # unit economics history: enough for a year-on-year delta and a sparkline


# the non-revenue headline KPIs by the table they come from; every other key is the unit economics'
HISTORY_FAMILIES = {"nps": ("nps",), "csat": ("csat",), "ces": ("ces",), "tickets": ("fcr", "median_resolution_hours"),
                    "dau_mau": ("dau_mau",), "finance": FINANCE_MONTHLY}


def other_kpi_histories(tables: Tables, revenue_part: Revenue | None, as_of: pd.Period,
                        settings: Settings, *, dau_mau: pd.Series | None = None,
                        families: tuple[str, ...] = ("nps", "csat", "ces", "tickets", "dau_mau", "economics"),
                        ) -> dict[str, pd.Series]:
    """Per month up to as_of: NPS, CSAT and CES (each month-end over the survey window), FCR and
    median resolution hours (tickets created that month), DAU/MAU (`dau_mau` when the report's
    engagement section already has it), and the unit economics — or only those of `families`."""
    out: dict[str, pd.Series] = {}
    survey = {"as_of": as_of, "window": settings.survey_window, "rule": settings.nps_rule}
    if "nps" in families and (rows := _given(tables, "nps")) is not None:
        out["nps"] = surveys.nps_by_month(rows, **survey)["score"]
    if "csat" in families and (rows := _given(tables, "csat")) is not None:
        out["csat"] = surveys.csat_by_month(rows, scale=_scale(tables, "csat", surveys.CSAT_SCALE), **survey)["score"]
    if "ces" in families and (rows := _given(tables, "ces")) is not None:
        out["ces"] = surveys.ces_by_month(rows, **survey)["mean"]
    if "tickets" in families and (rows := _given(tables, "tickets")) is not None:
        monthly = support.support_by_month(rows, as_of=as_of)
        out["fcr"], out["median_resolution_hours"] = monthly["fcr"], monthly["median_resolution_hours"]
    if "dau_mau" in families and dau_mau is not None:  # the report's engagement section: events table or database
        out["dau_mau"] = dau_mau
    elif "dau_mau" in families and (rows := _given(tables, "events")) is not None:
        out["dau_mau"] = engagement.dau_mau_by_month(rows, as_of=as_of)["dau_mau"]
    if "economics" in families and revenue_part is not None:
        months = revenue_part.series.index
        months = months[months <= as_of][-ECONOMICS_MONTHS:]
        costs = _given(tables, "costs")
        rows = [result.to_json() for result in economics.unit_economics_history(
            revenue_part.series, costs, months, gross_margin=settings.gross_margin, cac_months=settings.cac_months,
            churn_months=settings.ltv_churn_months)]
        frame = pd.DataFrame(rows, index=months, dtype=float)
        out.update({key: frame[key] for key in frame.columns})
    return {key: series.astype(float) for key, series in out.items()}


def customer_names(tables: Tables) -> pd.Series:
    """customer_id → name from the customers table of a data set (see `kpi.metrics.health.customer_names`)."""
    return health.customer_names(_given(tables, "customers"))


def months_of_period(report: Report, granularity: str) -> pd.PeriodIndex:
    """The months of the as-of period (month, quarter or year) that have revenue, up to as_of."""
    if report.revenue is None or report.as_of is None:
        return pd.PeriodIndex([], freq="M")
    months = report.months
    period = report.as_of.asfreq(revenue.PERIOD_FREQ[granularity])
    return months[months.asfreq(revenue.PERIOD_FREQ[granularity]) == period]
