"""``tillvaxt-geo brief``: a two-page PDF (and the same as HTML) on what OTHER changes against BASE, for a meeting."""

from __future__ import annotations

from pathlib import Path

import click

from tillvaxt_geo.cli._common import LayerCache, Progress, layers_option, resolve_scenario

__all__ = ["command"]


@click.command(name="brief")
@click.argument("base")
@click.argument("other")
@click.option(
    "--out",
    "out_path",
    default=None,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The PDF to write (default maps/brief_<base>_vs_<other>.pdf); the HTML page is written beside it.",
)
@layers_option("the scenarios' own, for both")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="Language of the brief.")
def command(base: str, other: str, out_path: Path | None, layers_path: str | None, lang: str) -> None:
    """Write a two-page A4 brief of scenario OTHER against BASE (TOML files or bundled names).

    Page 1: what changes (roads, stops, services) on a static map, workers
    living in Ludvika/Smedjebacken, people within 30 and 45 minutes of the
    mines by car and by public transport, and minutes saved. Page 2: every
    figure, why a lever changed nothing, and the sources with the scenario
    and layer file hashes. Swedish by default. Both scenarios must use the
    same region and layer set.
    """
    from tillvaxt_geo.output.brief import check_same_region, write_brief
    from tillvaxt_geo.scenario.run import run_scenario

    cache = LayerCache(layers_path)
    a, b = resolve_scenario(base), resolve_scenario(other)
    layers_a, layers_b = cache.get(a), cache.get(b)
    check_same_region((a.name, b.name), (layers_a.hashes, layers_b.hashes), (layers_a.crs, layers_b.crs))
    with Progress(f"{a.name}: {a.title}"):
        result_a = run_scenario(a, layers_a)
    with Progress(f"{b.name}: {b.title}"):
        result_b = run_scenario(b, layers_b)
    path = out_path or Path("maps") / f"brief_{a.name}_vs_{b.name}.pdf"
    if path.suffix.lower() != ".pdf":
        raise click.BadParameter(f"{path} does not end in .pdf", param_hint="--out")
    written = write_brief(result_a, result_b, path, lang=lang)
    click.echo(f"wrote {written['pdf']} and {written['html']}")
