"""The command group, logging set-up, and turning errors into exit codes.

Exit codes: 0 success, 1 a tillvaxt error (one clear message on stderr, no
traceback unless ``--debug``), 2 a usage error. Subcommands live in their own
modules and are imported only when invoked, so ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from typing import Any

import click

from tillvaxt_geo._version import __version__
from tillvaxt_geo.errors import TillvaxtError

__all__ = ["cli", "main"]

# command name -> "module:attribute" of a click command, imported on use
SUBCOMMANDS: dict[str, str] = {
    "run": "tillvaxt_geo.cli.run:command",
    "compare": "tillvaxt_geo.cli.compare:command",
    "sweep": "tillvaxt_geo.cli.sweep:command",
    "layers": "tillvaxt_geo.cli.layers_cmd:command",
    "matrix": "tillvaxt_geo.cli.matrix:command",
    "isochrones": "tillvaxt_geo.cli.isochrones:command",
    "import": "tillvaxt_geo.cli.import_cmd:command",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in SUBCOMMANDS.items() if _available(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None or not _available(target):
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


def _available(target: str) -> bool:
    module_name = target.split(":")[0]
    return importlib.util.find_spec(module_name) is not None


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
