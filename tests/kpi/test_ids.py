import pandas as pd
import pytest

from kpi.ids import among


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_membership_matches_isin_and_never_accepts_a_missing_id(dtype):
    ids = pd.Series(["A", "B", None, "C", "A"], dtype=dtype)
    assert among(ids, pd.Series(["A", "C", None])).tolist() == [True, False, False, True, True]
    assert among(ids, {"B"}).tolist() == [False, True, False, False, False]
    assert among(ids, pd.Index(["Z"])).tolist() == [False] * 5


def test_ids_compare_as_text_and_empty_sides_are_fine():
    assert among(pd.Series([1, "1", 2], dtype=object), {"1"}).tolist() == [True, True, False]
    assert among(pd.Series([], dtype="str"), {"A"}).tolist() == []
    assert among(pd.Series(["A"]), set()).tolist() == [False]
