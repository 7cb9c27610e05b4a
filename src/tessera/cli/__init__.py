"""The ``tessera`` command: demo, reports and queries over the metrics store."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Sequence

import click

from tessera import __version__
from tessera.cli.config_cmd import config_group
from tessera.cli.db import db
from tessera.cli.demo import demo
from tessera.cli.limits_cmd import limits
from tessera.cli.pricing import pricing
from tessera.cli.quality import quality
from tessera.cli.reports import calls, costs, report, tasks
from tessera.cli.traces import traces
from tessera.cli.watch import watch
from tessera.errors import TesseraError, TesseraWarning


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80})
@click.version_option(__version__, prog_name="tessera")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file (default: $TESSERA_CONFIG, else ~/.config/tessera/config.yaml).",
)
def cli(config_file: str | None) -> None:
    """Local observability for teams of LLM agents: tokens, cost, traces."""
    if config_file is not None:
        # Every command reads the configuration through this variable.
        os.environ["TESSERA_CONFIG"] = config_file


# One line per command group, so each can be added or moved on its own.
cli.add_command(demo)
cli.add_command(report)
cli.add_command(costs)
cli.add_command(tasks)
cli.add_command(calls)
cli.add_command(pricing)
cli.add_command(quality)
cli.add_command(config_group)
cli.add_command(limits)
cli.add_command(traces)
cli.add_command(watch)
cli.add_command(db)


def _show_runtime_messages() -> None:
    # Warnings for library callers are logged by Tessera as well; on the command
    # line the log line is enough, without Python's warning banner.
    warnings.simplefilter("ignore", TesseraWarning)
    logger = logging.getLogger("tessera")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("tessera: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv``; return the exit code (0 ok, 1 error, 2 usage)."""
    _show_runtime_messages()
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="tessera",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except TesseraError as exc:
        # A refused database, a bad configuration, an unknown model: one line, exit 1.
        click.echo(f"Error: {exc}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    return 0


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
