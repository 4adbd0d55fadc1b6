"""Total employment from the mines: direct, indirect (suppliers) and induced (household spending).

- direct = workers at the open mines (one or two companies, by phase);
- indirect = direct × ``supplier_multiplier`` × ``local_procurement_share``;
- induced = (direct workers living locally + indirect workers living locally)
  × ``household_multiplier``.

The local-residence share of direct workers comes from the commute model, so
housing and infrastructure choices move total employment. Defaults and their
sources are in :data:`ECONOMY_SOURCES`; every one is a scenario parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from tillvaxt_geo.errors import ConfigError

__all__ = ["ECONOMY_SOURCES", "EconomyParams", "Employment", "employment"]

ECONOMY_SOURCES: dict[str, str] = {
    "supplier_multiplier": "Epiroc 'Den svenska gruvan': 1 mining job gives 1.8 supplier-chain jobs (FACTS §3, S37)",
    "local_procurement_share": (
        "[E] assumption: 20–40 % of operating purchases bought locally for a Bergslagen underground iron "
        "mine; no source found (FACTS §3); 0.3 is the midpoint"
    ),
    "household_multiplier": (
        "[E] assumption: induced jobs per locally resident worker. Boliden (EY 2016, FACTS §12) gives "
        "11 300 induced per 14 000 direct + supplier jobs = 0.81 nationally; a small local economy keeps "
        "about 60 % of household spending, giving 0.5"
    ),
    "indirect_local_residence_share": (
        "share of local supplier jobs held by local residents: 1 − in-commuters' share of jobs in Ludvika "
        "2021 = 1 − 0.243 (SCB register data via Region Dalarna, FACTS §12)"
    ),
}


@dataclass(frozen=True)
class EconomyParams:
    """Multipliers of the employment model.

    Parameters
    ----------
    supplier_multiplier
        Supplier-chain jobs per mining job when everything is bought locally.
    local_procurement_share
        Share of the mines' purchases bought locally, in [0, 1].
    household_multiplier
        Induced (household-spending) jobs per worker living locally.
    indirect_local_residence_share
        Share of local supplier jobs held by people living locally, in [0, 1].
    """

    supplier_multiplier: float = 1.8
    local_procurement_share: float = 0.3
    household_multiplier: float = 0.5
    indirect_local_residence_share: float = 0.757

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ConfigError(
                    f"economy parameter '{f.name}' must be a finite, non-negative number, found {value!r}"
                )
        for name in ("local_procurement_share", "indirect_local_residence_share"):
            if getattr(self, name) > 1:
                raise ConfigError(f"economy parameter '{name}' is a share and must lie in [0, 1]")


@dataclass(frozen=True)
class Employment:
    """Jobs by kind; ``total_jobs`` is their sum."""

    direct_jobs: float
    indirect_jobs: float
    induced_jobs: float

    @property
    def total_jobs(self) -> float:
        """Direct + indirect + induced."""
        return self.direct_jobs + self.indirect_jobs + self.induced_jobs


def employment(direct_jobs: float, local_residence_share: float, params: EconomyParams) -> Employment:
    """Direct, indirect and induced jobs for one scenario.

    Parameters
    ----------
    direct_jobs
        Workers at the open mines.
    local_residence_share
        Share of direct workers living in the study area (from the commute model).
    params
        Multipliers.

    Returns
    -------
    Employment
        Jobs by kind.
    """
    if direct_jobs < 0:
        raise ConfigError(f"direct jobs must be non-negative, found {direct_jobs}")
    if not 0.0 <= local_residence_share <= 1.0:
        raise ConfigError(f"local residence share must lie in [0, 1], found {local_residence_share}")
    indirect = direct_jobs * params.supplier_multiplier * params.local_procurement_share
    local_residents = direct_jobs * local_residence_share + indirect * params.indirect_local_residence_share
    induced = local_residents * params.household_multiplier
    return Employment(direct_jobs=direct_jobs, indirect_jobs=indirect, induced_jobs=induced)
