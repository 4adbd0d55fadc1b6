"""The memory budget of dense origins × destinations arrays: refused before allocating, with sizes and a remedy."""

from __future__ import annotations

import pytest

from tillvaxt_geo.errors import ResourceError, TillvaxtError
from tillvaxt_geo.routing.budget import available_memory_bytes, check_matrix_memory, matrix_bytes


def test_bytes_grow_with_the_product_of_the_sides() -> None:
    assert matrix_bytes(10_000, 10_000) == 800_000_000
    assert matrix_bytes(10_000, 10_000, copies=3, itemsize=4) == 1_200_000_000
    assert matrix_bytes(0, 5) == 0
    with pytest.raises(ValueError, match="n_origins"):
        matrix_bytes(-1, 5)


def test_a_request_over_the_budget_is_refused_naming_sizes_and_remedy() -> None:
    with pytest.raises(ResourceError) as info:
        check_matrix_memory(10_000, 10_000, what="calibration zone × zone times", limit_bytes=1024**3, copies=2)
    message = str(info.value)
    assert "calibration zone × zone times" in message and "10,000 × 10,000" in message
    assert "1.5 GiB" in message and "1.0 GiB" in message and "reduce the zones" in message
    assert isinstance(info.value, MemoryError) and isinstance(info.value, TillvaxtError)


def test_a_request_within_the_budget_returns_its_bytes() -> None:
    assert check_matrix_memory(1000, 1000, limit_bytes=8_000_000) == 8_000_000


def test_the_machine_budget_refuses_an_absurd_request_and_accepts_a_small_one() -> None:
    available = available_memory_bytes()
    if available is None:
        pytest.skip("this system does not tell how much memory is available")
    assert available > 0
    with pytest.raises(ResourceError):
        check_matrix_memory(10**7, 10**7)  # 800 TB
    assert check_matrix_memory(100, 100) == 80_000
