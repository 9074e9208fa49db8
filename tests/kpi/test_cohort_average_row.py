"""kpi.metrics.cohorts.weighted_average_row: the heatmap's "Average" row, weighted by cohort size."""

import numpy as np
import pandas as pd

from kpi.metrics import cohorts


def test_each_age_is_weighted_by_cohort_size_over_the_cohorts_that_reached_it():
    # three cohorts of 10, 30 and 60 members; the youngest has only reached age 0
    matrix = pd.DataFrame([[1.0, 0.8, 0.5],
                           [1.0, 0.6, np.nan],
                           [1.0, np.nan, np.nan]], index=["2024-01", "2024-02", "2024-03"], columns=[0, 1, 2])
    sizes = pd.Series([10, 30, 60], index=matrix.index)
    average = cohorts.weighted_average_row(matrix, sizes)
    assert average[0] == 1.0
    assert average[1] == (10 * 0.8 + 30 * 0.6) / (10 + 30)  # 0.65: the 60 members have not reached age 1
    assert average[2] == 0.5
    assert list(average.index) == [0, 1, 2]


def test_an_age_no_cohort_reached_stays_empty_and_a_zero_size_cohort_weighs_nothing():
    matrix = pd.DataFrame([[4.0, np.nan], [8.0, np.nan], [100.0, np.nan]], columns=[1, 2])
    average = cohorts.weighted_average_row(matrix, pd.Series([1, 3, 0]))
    assert average[1] == (4 + 3 * 8) / 4
    assert np.isnan(average[2])


def test_on_logo_retention_it_is_the_average_curve():
    mrr = pd.DataFrame({"a": [10, 10, 0, 0], "b": [10, 10, 10, 10], "c": [0, 5, 5, 0], "d": [0, 0, 7, 7]},
                       index=pd.period_range("2024-01", periods=4, freq="M")).T
    result = cohorts.revenue_cohorts(mrr, as_of="2024-04")
    row = cohorts.weighted_average_row(result.logo, result.sizes)
    assert np.allclose(row.to_numpy(), cohorts.average_retention(result)["logo"].to_numpy(), equal_nan=True)
