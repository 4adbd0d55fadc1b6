"""The command group, logging set-up, and turning errors into exit codes.

Exit codes: 0 success, 1 a tillvaxt error (one clear message on stderr, no
traceback unless ``--debug``), 2 a usage error. Subcommands live in their own
modules and are imported only when invoked, so ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from tillvaxt_geo._version import __version__
from tillvaxt_geo.errors import TillvaxtError

__all__ = ["cli", "main"]

# command name -> ("module:attribute" of a click command, imported on use; its line in --help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("tillvaxt_geo.cli.run:command", "Run scenarios; write summaries, GeoPackages and maps."),
    "compare": ("tillvaxt_geo.cli.compare:command", "Two scenarios: every figure as base / other / difference."),
    "brief": ("tillvaxt_geo.cli.brief:command", "A two-page PDF/HTML brief of OTHER against BASE for Trafikverket."),
    "sweep": ("tillvaxt_geo.cli.sweep:command", "Which lever moves total employment most."),
    "uncertainty": ("tillvaxt_geo.cli.uncertainty:command", "P10–P90 of every figure and which assumption drives it."),
    "layers": ("tillvaxt_geo.cli.layers_cmd:command", "Check a layer set and list every problem."),
    "matrix": ("tillvaxt_geo.cli.matrix:command", "A travel-time matrix as CSV."),
    "isochrones": ("tillvaxt_geo.cli.isochrones:command", "Catchment polygons from a mine site."),
    "import": ("tillvaxt_geo.cli.import_cmd:command", "Turn real data (OSM, GTFS, grids …) into layer files."),
    "versions": ("tillvaxt_geo.cli.versions:command", "Versions of the package and its libraries, for bug reports."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = SUBCOMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from :data:`SUBCOMMANDS` without importing them (``--help`` stays fast)."""
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tillvaxt-geo")
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug logging.")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and results: no progress lines or warnings.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, quiet: bool) -> None:
    """tillvaxt-geo: commute-time and employment planning for the Ludvika–Smedjebacken mines.

    Run `tillvaxt-geo COMMAND --help` for each command.
    """
    if quiet:
        level = logging.ERROR
    else:
        level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = {"debug": debug, "quiet": quiet}


def main(argv: list[str] | None = None) -> Any:
    """Entry point of ``tillvaxt-geo``; returns only in tests (standalone_mode=False)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        return cli.main(args=argv, prog_name="tillvaxt-geo", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except TillvaxtError as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
