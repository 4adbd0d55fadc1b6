"""Employment model: hand computation and monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.economy import EconomyParams, employment

share = st.floats(0, 1, allow_nan=False)


def test_by_hand() -> None:
    params = EconomyParams(
        supplier_multiplier=2.0,
        local_procurement_share=0.5,
        household_multiplier=0.4,
        indirect_local_residence_share=0.5,
    )
    jobs = employment(100.0, 0.6, params)
    assert jobs.indirect_jobs == pytest.approx(100.0)  # 100 × 2 × 0.5
    assert jobs.induced_jobs == pytest.approx((60.0 + 50.0) * 0.4)
    assert jobs.total_jobs == pytest.approx(100 + 100 + 44)


@given(st.floats(0, 2000), share, share, share)
def test_higher_procurement_never_lowers_total(direct: float, residence: float, p1: float, p2: float) -> None:
    low, high = sorted((p1, p2))
    a = employment(direct, residence, EconomyParams(local_procurement_share=low)).total_jobs
    b = employment(direct, residence, EconomyParams(local_procurement_share=high)).total_jobs
    assert b >= a - 1e-9


@given(st.floats(0, 2000), st.floats(0, 2000), share)
def test_more_direct_jobs_never_lower_total(d1: float, d2: float, residence: float) -> None:
    low, high = sorted((d1, d2))
    params = EconomyParams()
    assert employment(high, residence, params).total_jobs >= employment(low, residence, params).total_jobs - 1e-9


@pytest.mark.parametrize(
    ("key", "value"),
    [("local_procurement_share", 1.2), ("supplier_multiplier", -1.0), ("indirect_local_residence_share", 2.0)],
)
def test_bad_parameters_name_the_key(key: str, value: float) -> None:
    with pytest.raises(ConfigError, match=key):
        EconomyParams(**{key: value})


def test_share_out_of_range() -> None:
    with pytest.raises(ConfigError, match="local residence share"):
        employment(10.0, 1.5, EconomyParams())
