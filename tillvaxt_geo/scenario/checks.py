"""A scenario checked against its layers before anything is computed: sites, study area, constraint files.

:func:`check_scenario_layers` is the scenario half of the validation pass
(the layer half is :func:`tillvaxt_geo.data.layers.load_layers`): every open
site and worker override names a site of ``mine_sites``, no site is opened
twice, every study-area municipality has zones, and every constraint file is a
readable regular file. It collects every problem and raises once.
"""

from __future__ import annotations

from collections import Counter

from tillvaxt_geo.data.files import input_file_problem
from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.naming import did_you_mean
from tillvaxt_geo.scenario.config import Scenario

__all__ = ["check_scenario_layers"]


def check_scenario_layers(scenario: Scenario, layers: Layers) -> None:
    """Raise one :class:`ConfigError` listing every way the scenario does not fit its layers.

    Parameters
    ----------
    scenario
        The parsed scenario.
    layers
        The layer set it will run on (before its changes).

    Raises
    ------
    ConfigError
        A site opened twice or unknown, a study-area municipality with no
        zones, an unreadable constraint file.
    """
    where = f"scenario '{scenario.name}'" + (f" ({scenario.source_path})" if scenario.source_path else "")
    problems: list[str] = []
    twice = sorted(site for site, n in Counter(scenario.mines.open).items() if n > 1)
    if twice:
        problems.append(
            f"[mines] open lists site(s) {', '.join(repr(s) for s in twice)} more than once; list each site once "
            "(set its workforce with [mines.workers])"
        )
    sites = layers.mine_sites
    if sites is not None:
        known = [str(s) for s in sites.index]
        names = dict(zip(known, sites["name"].astype(str), strict=True))
        for key, listed in (("open", scenario.mines.open), ("workers", tuple(scenario.mines.workers))):
            for site in dict.fromkeys(listed):
                if site not in names:
                    valid = ", ".join(f"{k} ({names[k]})" for k in known)
                    hint = did_you_mean(site, known)
                    problems.append(f"[mines] {key} names unknown mine site '{site}'.{hint} Valid sites: {valid}")
    zones = layers.zones
    if zones is not None and "municipality" in zones.columns:
        municipalities = sorted(set(zones["municipality"].astype(str)))
        for name in scenario.study_area:
            if name not in municipalities:
                problems.append(
                    f"study_area names '{name}', but no zone lies in a municipality of that name, so nobody "
                    f"could live locally.{did_you_mean(name, municipalities)} Municipalities in the zones layer: "
                    f"{', '.join(municipalities)}"
                )
    for path in scenario.housing.constraints:
        trouble = input_file_problem(path, directory_ok=False)
        if trouble is not None:
            problems.append(f"[housing] constraints file {path} {trouble}")
    if problems:
        lines = [f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {where}:"]
        raise ConfigError("\n".join([*lines, *(f"  - {p}" for p in problems)]))
