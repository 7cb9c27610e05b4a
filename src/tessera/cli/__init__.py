"""The ``tessera`` command: demo, reports and queries over the metrics store."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Sequence

import click

from tessera import __version__
from tessera.cli._lazy import LazyCommand, LazyGroup
from tessera.errors import TesseraError, TesseraWarning

# One row per command, so each can be added or moved on its own. A command's module is
# imported only when the command runs; the help here is what `tessera --help` lists,
# the first paragraph of the command's docstring.
_COMMANDS = {
    "demo": LazyCommand(
        "tessera.cli.demo:demo",
        "Run a small agent team through the real OpenAI and Anthropic SDKs, answered locally.",
    ),
    "report": LazyCommand(
        "tessera.cli.reports:report",
        "Agent performance: tasks, successes, success rate, average duration, cost.",
    ),
    "costs": LazyCommand(
        "tessera.cli.reports:costs",
        "Cost of the recorded model calls, grouped by day, agent, model, task or provider.",
    ),
    "tasks": LazyCommand(
        "tessera.cli.reports:tasks", "Tasks, newest first, with their status, calls and cost."
    ),
    "calls": LazyCommand(
        "tessera.cli.reports:calls",
        "Model calls, newest first: tokens, cost, and whether usage was reported.",
    ),
    "pricing": LazyCommand(
        "tessera.cli.pricing:pricing",
        "Model prices: built-in table, your own prices, unpriced models, re-pricing.",
    ),
    "quality": LazyCommand(
        "tessera.cli.quality:quality",
        "Coverage, quality, tasks and cost per improvement round of one run.",
    ),
    "config": LazyCommand(
        "tessera.cli.config_cmd:config_group", "Show or check the configuration file."
    ),
    "limits": LazyCommand(
        "tessera.cli.limits_cmd:limits",
        "Today's spend per limit, what is left, money reserved, and when the day resets.",
    ),
    "traces": LazyCommand(
        "tessera.cli.traces:traces",
        "Read the trace file: recent spans, one trace as a tree, OTLP export.",
    ),
    "watch": LazyCommand(
        "tessera.cli.watch:watch",
        "Today's spend per agent and model, running tasks and limits, refreshed live.",
    ),
    "db": LazyCommand(
        "tessera.cli.db:db", "The metrics database file: its path, its schema, its health."
    ),
}


def _use_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        # Every command reads the configuration through this variable.
        os.environ["TESSERA_CONFIG"] = value


_CONFIG_HELP = "Configuration file (default: $TESSERA_CONFIG, else ~/.config/tessera/config.yaml)."


def _with_config_option(command: click.Command) -> None:
    """Give ``command`` (and its subcommands) a ``--config`` option, as the group has."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_config_option(sub)
        return
    if any("--config" in getattr(p, "opts", ()) for p in command.params):
        return
    command.params.append(
        click.Option(
            ["--config"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            is_eager=True,
            callback=_use_config,
            help=_CONFIG_HELP,
        )
    )


@click.group(
    cls=LazyGroup,
    lazy_commands=_COMMANDS,
    prepare=_with_config_option,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
)
@click.version_option(__version__, prog_name="tessera")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help=_CONFIG_HELP,
)
def cli(config_file: str | None) -> None:
    """Local observability for teams of LLM agents: tokens, cost, traces."""
    _use_config(click.get_current_context(), cli.params[0], config_file)


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
        if isinstance(exc, click.UsageError):
            exc.show()
        else:
            # Errors carried up from libraries (a database driver's, say) may span
            # lines; the command line promises one.
            click.echo(f"Error: {_one_line(exc.format_message())}", err=True)
        return exc.exit_code
    except TesseraError as exc:
        # A refused database, a bad configuration, an unknown model: one line, exit 1.
        click.echo(f"Error: {_one_line(str(exc))}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
