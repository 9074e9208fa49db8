"""Plumeo's 2026 budget: the board plan written in December 2025, as a sheet of finance.xlsx.

The layout Visible imports from Google Sheets: metric names down column A under `Indicateur`,
one column per month of 2026 headed by a real Excel date, one row per metric, a blank row
between the revenue and the money blocks. The plan starts from what was known at the end of
November 2025 (MRR, paying customers, the costs of the month, the cash after the Series A) and
assumes 5.5 % MRR growth a month: it is beaten early (an Enterprise deal in December) and missed
later, on new MRR and paying customers by more than 10 %. No randomness: the plan follows the
other demo files.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.styles import Font
from openpyxl.workbook import Workbook

SHEET = "Budget 2026"
METRIC_HEADER = "Indicateur"
MONTHS = [dt.datetime(2026, k, 1) for k in range(1, 13)]
KNOWN = 24  # index of November 2025 in the demo's 36 months: the last month the plan knew
MRR_GROWTH = 0.055  # a month
CHURN_RATE = 0.02  # of last month's MRR
NET_EXPANSION = 0.01  # expansion less contraction, of last month's MRR
NEW_CUSTOMERS_NET = 26  # paying customers added a month, net of churn
LOGO_CHURN = 0.025
NRR_MONTHLY = 1 - CHURN_RATE + NET_EXPANSION
COST_GROWTH = 0.02  # a month
CAPEX = 1_500.0  # a month: laptops for the hires
DECEMBER_BURN = 30_000.0  # what the plan expected to burn in December 2025, before its first month
MONEY, COUNT, PERCENT = "#,##0 €", "0", "0.0%"


def budget_rows(mrr: list[float], customers: list[int], costs: list[float],
                cash_known: float) -> list[tuple[str, str, list[float]]]:
    """The plan's rows: (metric name as the founder writes it, number format, 12 monthly values).

    From November 2025 (index KNOWN): MRR_k = MRR_Nov × 1.055^(k+2) (k = 0 for January 2026),
    ARR = 12 × MRR, new MRR = (5.5 % + 2 % − 1 %) of the month before, churned MRR = 2 % of the
    month before, customers = customers_Nov + 26 × (k + 2), ARPA = MRR ÷ customers, costs =
    costs_Nov × 1.02^(k+2), gross burn = costs + €1.5k of equipment, net burn = gross burn − MRR,
    cash = cash_Nov − December's expected burn − the net burns so far.
    """
    plan_mrr = [round(mrr[KNOWN] * (1 + MRR_GROWTH) ** (k + 2), -2) for k in range(12)]
    before = [round(mrr[KNOWN] * (1 + MRR_GROWTH), -2), *plan_mrr[:-1]]
    new = [round((MRR_GROWTH + CHURN_RATE - NET_EXPANSION) * b, -1) for b in before]
    churn = [round(CHURN_RATE * b, -1) for b in before]
    paying = [customers[KNOWN] + NEW_CUSTOMERS_NET * (k + 2) for k in range(12)]
    plan_costs = [round(costs[KNOWN] * (1 + COST_GROWTH) ** (k + 2), -2) for k in range(12)]
    gross = [c + CAPEX for c in plan_costs]
    net = [g - m for g, m in zip(gross, plan_mrr, strict=True)]
    cash, left = [], cash_known - DECEMBER_BURN
    for burn in net:
        left -= burn
        cash.append(round(left, -3))
    return [
        ("MRR fin de mois", MONEY, plan_mrr),
        ("ARR", MONEY, [12 * m for m in plan_mrr]),
        ("New MRR", MONEY, new),
        ("MRR perdu (churn)", MONEY, churn),
        ("Clients payants", COUNT, paying),
        ("Churn logos (%)", PERCENT, [LOGO_CHURN] * 12),
        ("NRR mensuel", PERCENT, [NRR_MONTHLY] * 12),
        ("ARPA", MONEY, [round(m / c) for m, c in zip(plan_mrr, paying, strict=True)]),
        ("", "", []),
        ("Dépenses totales", MONEY, plan_costs),
        ("Burn brut", MONEY, gross),
        ("Burn net", MONEY, net),
        ("Trésorerie fin de mois", MONEY, cash),
    ]


def add_budget_sheet(workbook: Workbook, rows: list[tuple[str, str, list[float]]]) -> int:
    """Append the sheet `Budget 2026` (header on row 1: `Indicateur`, then the months as dates)
    and return its number of metric rows."""
    sheet = workbook.create_sheet(SHEET)
    sheet.append([METRIC_HEADER, *MONTHS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        if cell.column > 1:
            cell.number_format = "mmm yyyy"
    for name, number_format, values in rows:
        sheet.append([name or None, *values])
        for cell in sheet[sheet.max_row][1:]:
            cell.number_format = number_format
    sheet.column_dimensions["A"].width = 26
    for column in "BCDEFGHIJKLM":
        sheet.column_dimensions[column].width = 12
    sheet.freeze_panes = "B2"
    return sum(1 for name, _, values in rows if values)
