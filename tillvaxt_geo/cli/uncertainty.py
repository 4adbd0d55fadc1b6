"""``tillvaxt-geo uncertainty``: P10/P50/P90 of every figure and which assumption drives it, on Dask or serially."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd

from tillvaxt_geo.cli._common import LayerCache, format_table, layers_option, out_option, resolve_scenario
from tillvaxt_geo.errors import ConfigError

__all__ = ["command"]


@contextmanager
def _client(*, serial: bool, scheduler: str | None, workers: int | None, quiet: bool) -> Iterator[Any]:
    from tillvaxt_geo.scenario.engine import DASK_HINT, SCHEDULER_ENV, connect, dask_available

    if serial:
        yield None
        return
    if not dask_available():
        if scheduler or os.environ.get(SCHEDULER_ENV):
            raise ConfigError(f"a Dask scheduler was named but Dask is not installed; {DASK_HINT}")
        if not quiet:
            click.echo(f"Dask is not installed: running serially; {DASK_HINT}", err=True)
        yield None
        return
    if not quiet:
        where = scheduler or os.environ.get(SCHEDULER_ENV) or f"a local cluster of {workers or os.cpu_count()} workers"
        click.echo(f"starting the Dask client ({where}) …", err=True)
    # the cluster's own INFO lines (nannies starting, comms closing) are noise on a planner's terminal
    root = logging.getLogger().getEffectiveLevel()
    logging.getLogger("distributed").setLevel(max(root, logging.WARNING))
    with connect(scheduler, n_workers=workers) as client:
        yield client


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    if quiet:
        yield None
        return
    bar: Any = None
    shown = [0]
    stderr = sys.stderr

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="samples", file=stderr)
            bar.__enter__()
        bar.update(done - shown[0])
        shown[0] = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command(name="uncertainty")
@click.argument("scenario")
@click.option("--against", "other", default=None, help="A second scenario: ranges of OTHER − SCENARIO, common samples.")
@click.option("--samples", default=1000, show_default=True, type=int, help="Model evaluations (Saltelli design).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the Sobol' sequences.")
@click.option(
    "--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786 (or DASK_SCHEDULER_ADDRESS)."
)
@click.option("--workers", default=None, type=int, help="Workers of the local cluster (default: the machine's cores).")
@click.option("--serial", is_flag=True, help="Run every sample in this process, without Dask.")
@click.option("--only", default=None, help="Sample only these parameters (comma-separated names).")
@click.option("--chunk-size", default=64, show_default=True, type=int, help="Samples per Dask task.")
@out_option("DIR/<scenario>/uncertainty.json, uncertainty.csv, sobol.csv, samples.csv, uncertainty.png")
@layers_option("the scenario's own")
@click.pass_context
def command(
    ctx: click.Context,
    scenario: str,
    other: str | None,
    samples: int,
    seed: int,
    scheduler: str | None,
    workers: int | None,
    serial: bool,
    only: str | None,
    chunk_size: int,
    out_dir: Path,
    layers_path: str | None,
) -> None:
    """Ranges instead of point figures for SCENARIO: P10/P50/P90 of every figure and their Sobol indices.

    Samples every parameter of the parameter table (shipped with the package,
    overridden by the scenario's [uncertainty] tables) and prints the 80 %
    range of each headline figure and the assumption that drives it. Runs on a
    Dask LocalCluster by default, on an existing cluster with --scheduler, or
    serially with --serial. See docs/cli/uncertainty.md.
    """
    from tillvaxt_geo.output.uncertainty import KEY_FIGURES, percentile_table, write_uncertainty
    from tillvaxt_geo.scenario.uncertainty import base_samples, compare_uncertainty, uncertainty

    quiet = bool(ctx.find_root().obj and ctx.find_root().obj.get("quiet"))
    if samples < 1:
        base_samples(samples, 1)  # the ConfigError naming --samples, before any cluster starts
    names = [n.strip() for n in only.split(",") if n.strip()] if only else []
    cache = LayerCache(layers_path)
    base = resolve_scenario(scenario)
    against = resolve_scenario(other) if other else None
    with _client(serial=serial, scheduler=scheduler, workers=workers, quiet=quiet) as client, _progress(quiet) as bar:
        options: dict[str, Any] = {"samples": samples, "seed": seed, "only": names, "client": client}
        options.update(chunk_size=chunk_size, progress=bar)
        if against is None:
            result = uncertainty(base, layers=cache.get(base), **options)
        else:
            result = compare_uncertainty(
                base, against, layers=cache.get(base), other_layers=cache.get(against), **options
            )
    folder = out_dir / result.name
    write_uncertainty(result, folder)

    click.echo(f"{result.title}: {result.samples} samples (seed {seed}, {result.engine})")
    table = percentile_table(result)
    shown = table[["figure", "p10", "p50", "p90", "top_driver"]]
    click.echo(format_table(pd.DataFrame(shown), figure_column="figure"))
    click.echo("")
    for key in KEY_FIGURES:
        click.echo(f"- {result.verdict(key)}")
    click.echo("\nP10–P90 is the 80 % range over the parameter table; a Sobol index is the share of a figure's")
    click.echo("variance due to one parameter (S1 alone, ST with its interactions). Where the ranges come from:")
    for entry in result.table.entries:
        click.echo(f"  {entry.name}: {entry.distribution.describe()} — {entry.source}")
    click.echo(f"wrote {folder}/uncertainty.json, uncertainty.csv, sobol.csv, samples.csv, uncertainty.png")
