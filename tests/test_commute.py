"""Residence allocation: conservation, capacity, monotonicity, a hand-computed case."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.commute import (
    ModeGroup,
    Pools,
    allocate_in_movers,
    allocate_residences,
    spread_existing_workforce,
)

finite = st.floats(0, 1000, allow_nan=False)
shares = st.floats(0, 1, allow_nan=False)


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_sites = draw(st.integers(1, 3))
    n_units = draw(st.integers(1, 6))
    demand = draw(arrays(float, n_sites, elements=finite))
    capacity = draw(arrays(float, n_units, elements=finite))
    acceptance = draw(arrays(float, (n_sites, n_units), elements=shares))
    return demand, capacity, acceptance


@settings(max_examples=150, deadline=None)
@given(problems())
def test_in_movers_conserved_and_capacity_never_exceeded(problem: tuple[np.ndarray, ...]) -> None:
    demand, capacity, acceptance = problem
    placed, unplaced, _, residual = allocate_in_movers(demand, capacity, acceptance)
    assert (placed >= -1e-12).all() and (unplaced >= -1e-12).all()
    np.testing.assert_allclose(placed.sum(axis=1) + unplaced, demand, rtol=1e-9, atol=1e-6)
    assert (placed.sum(axis=0) <= capacity + 1e-6).all()
    # acceptance bounds each pair: never more than f × capacity of a unit to one site
    assert (placed <= acceptance * capacity[None, :] + 1e-6).all()
    assert residual <= 1e-6 * max(demand.sum(), 1.0)


@settings(max_examples=100, deadline=None)
@given(problems(), st.integers(0, 10**6))
def test_preference_weights_keep_conservation_and_capacity(problem: tuple[np.ndarray, ...], seed: int) -> None:
    demand, capacity, acceptance = problem
    preference = np.random.default_rng(seed).exponential(size=acceptance.shape)
    placed, unplaced, _, _ = allocate_in_movers(demand, capacity, acceptance, preference=preference)
    np.testing.assert_allclose(placed.sum(axis=1) + unplaced, demand, rtol=1e-9, atol=1e-6)
    assert (placed.sum(axis=0) <= capacity + 1e-6).all()
    assert (placed <= acceptance * capacity[None, :] + 1e-6).all()


def test_preference_steers_in_movers_to_the_preferred_unit() -> None:
    demand = np.array([10.0])
    capacity = np.array([100.0, 100.0])
    acceptance = np.ones((1, 2))
    placed, _, _, _ = allocate_in_movers(demand, capacity, acceptance, preference=np.array([[3.0, 1.0]]))
    np.testing.assert_allclose(placed, [[7.5, 2.5]])


@settings(max_examples=100, deadline=None)
@given(problems(), st.integers(0, 5), st.floats(1, 500))
def test_more_capacity_never_houses_fewer(problem: tuple[np.ndarray, ...], which: int, extra: float) -> None:
    demand, capacity, acceptance = problem
    k = which % capacity.size
    more = capacity.copy()
    more[k] += extra
    housed = allocate_in_movers(demand, capacity, acceptance)[0].sum()
    housed_more = allocate_in_movers(demand, more, acceptance)[0].sum()
    assert housed_more >= housed - 1e-6


@settings(max_examples=100, deadline=None)
@given(problems(), st.floats(0.01, 0.5))
def test_higher_acceptance_never_houses_fewer(problem: tuple[np.ndarray, ...], bump: float) -> None:
    demand, capacity, acceptance = problem
    easier = np.minimum(acceptance + bump, 1.0)
    assert (
        allocate_in_movers(demand, capacity, easier)[0].sum()
        >= allocate_in_movers(demand, capacity, acceptance)[0].sum() - 1e-6
    )


def _group(origin: list[float], acceptance: list[float], share: float = 1.0) -> ModeGroup:
    a = np.array([acceptance])
    return ModeGroup(share=share, origin_weights=np.array([origin]), acceptance_units=a, preference_units=a)


def test_two_zones_one_site_step_decay_by_hand() -> None:
    # 100 workers: 40 from today's labour force, 50 in-movers, 10 long-distance. Zone A (origin weight 300)
    # is 10 min away, zone B (weight 100) 50 min: with a 45-min step only A is acceptable.
    result = allocate_residences(
        np.array([100.0]),
        pools=Pools(existing_workforce=0.4, in_movers=0.5, long_distance=0.1),
        groups=[_group([300.0, 0.0], [1.0, 0.0])],
        capacity=np.array([25.0, 500.0]),  # vacant dwellings in A and B
    )
    # 40 from A; 50 in-movers, 25 dwellings in A acceptable, B never; 10 long-distance
    np.testing.assert_allclose(result.recruits, [[40.0, 0.0]])
    np.testing.assert_allclose(result.movers, [[25.0, 0.0]])
    np.testing.assert_allclose(result.unhoused, [25.0])
    np.testing.assert_allclose(result.long_distance, [10.0])
    np.testing.assert_allclose(result.workers, [100.0])


def test_existing_workforce_split_by_origin_weights() -> None:
    spread, missing = spread_existing_workforce(np.array([90.0]), np.array([[100.0, 50.0]]))
    np.testing.assert_allclose(spread, [[60.0, 30.0]])
    assert missing[0] == 0.0


def test_nobody_in_reach_all_become_in_movers() -> None:
    result = allocate_residences(
        np.array([50.0]),
        pools=Pools(existing_workforce=1.0, in_movers=0.0, long_distance=0.0),
        groups=[_group([0.0], [1.0])],
        capacity=np.array([10.0]),
    )
    assert result.recruits.sum() == 0.0
    assert result.movers.sum() == pytest.approx(10.0)
    assert result.unhoused.sum() == pytest.approx(40.0)


def test_capacity_too_small_is_a_shortfall_not_an_error() -> None:
    result = allocate_residences(
        np.array([1000.0]),
        pools=Pools(existing_workforce=0.0, in_movers=1.0, long_distance=0.0),
        groups=[_group([10.0], [1.0])],
        capacity=np.array([3.0]),
    )
    assert result.unhoused[0] == pytest.approx(997.0)


def test_mode_groups_compete_for_the_same_dwellings() -> None:
    # car owners and workers without a car both want the one unit; together they never exceed it
    result = allocate_residences(
        np.array([100.0]),
        pools=Pools(existing_workforce=0.0, in_movers=1.0, long_distance=0.0),
        groups=[_group([1.0], [1.0], share=0.8), _group([1.0], [1.0], share=0.2)],
        capacity=np.array([50.0]),
    )
    assert result.movers.sum() == pytest.approx(50.0)
    assert sum(m.sum() for m in result.movers_by_group) == pytest.approx(50.0)
    np.testing.assert_allclose(result.workers, [100.0])


@settings(max_examples=80, deadline=None)
@given(
    st.floats(0, 1),
    st.floats(0, 1),
    arrays(float, 4, elements=st.floats(0, 500)),
    arrays(float, 4, elements=st.floats(0, 1)),
    st.floats(0, 1),
)
def test_pools_conserve_workers_and_never_exceed_capacity(
    a: float, b_of_rest: float, capacity: np.ndarray, acceptance: np.ndarray, no_car: float
) -> None:
    pools = Pools(existing_workforce=a, in_movers=(1 - a) * b_of_rest, long_distance=1 - a - (1 - a) * b_of_rest)
    origin = list(np.linspace(0.0, 3.0, 4))
    groups = [_group(origin, list(acceptance), share=1 - no_car), _group(origin[::-1], list(acceptance), share=no_car)]
    result = allocate_residences(np.array([250.0]), pools=pools, groups=groups, capacity=capacity)
    np.testing.assert_allclose(result.workers, [250.0], rtol=1e-9)
    assert (result.movers.sum(axis=0) <= capacity + 1e-6).all()
    assert result.long_distance[0] == pytest.approx(250.0 * pools.long_distance)


@pytest.mark.parametrize(
    ("pools", "match"),
    [
        ({"existing_workforce": 0.5, "in_movers": 0.3, "long_distance": 0.1}, "sum to 1"),
        ({"existing_workforce": 1.5, "in_movers": -0.3, "long_distance": -0.2}, "existing_workforce_share"),
        ({"existing_workforce": float("nan"), "in_movers": 0.5, "long_distance": 0.5}, "existing_workforce_share"),
    ],
)
def test_bad_pools(pools: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Pools(**pools)


def test_bad_dwellings_and_groups() -> None:
    group = [_group([10.0], [1.0])]
    with pytest.raises(ConfigError, match="dwellings_per_worker"):
        allocate_residences(
            np.array([10.0]), pools=Pools(), groups=group, capacity=np.array([1.0]), dwellings_per_worker=0
        )
    with pytest.raises(ConfigError, match="sum to 1"):
        allocate_residences(
            np.array([10.0]), pools=Pools(), groups=[_group([1.0], [1.0], 0.5)], capacity=np.array([1.0])
        )


def test_negative_workers_refused() -> None:
    with pytest.raises(ConfigError, match="non-negative"):
        allocate_residences(np.array([-1.0]), pools=Pools(), groups=[_group([10.0], [1.0])], capacity=np.array([1.0]))
