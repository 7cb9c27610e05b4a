"""The ``tessera`` group's command table: right help, right target, nothing imported for --help."""

from __future__ import annotations

import inspect
import subprocess
import sys

from click.testing import CliRunner

from tessera.cli import cli
from tessera.cli._lazy import LazyCommands


def test_the_table_matches_every_command_it_names() -> None:
    commands = cli.commands
    assert isinstance(commands, LazyCommands)
    for name, entry in commands.table.items():
        command = commands[name]
        first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert command.name == name
        # --help shows the table's text without importing the command: it must be the same.
        assert " ".join(first_paragraph.split()) == entry.help, name


def test_help_lists_every_command_without_importing_one() -> None:
    code = (
        "import sys\n"
        "from tessera.cli import main\n"
        "main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('tessera.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    listed = done.stdout.split("Commands:")[1]
    for name in cli.commands:
        assert f"\n  {name} " in listed
    assert (
        done.stdout.strip().splitlines()[-1]
        == "['tessera.cli', 'tessera.cli._lazy', 'tessera.errors']"
    )


def test_a_command_added_directly_is_listed_and_runs() -> None:
    # The group stays a click group: add_command still works beside the table.
    import click

    @click.command("hello-lazy")
    def hello() -> None:
        """Say hello."""
        click.echo("hello")

    cli.add_command(hello)
    try:
        runner = CliRunner()
        assert "hello-lazy  Say hello." in runner.invoke(cli, ["--help"]).output
        assert runner.invoke(cli, ["hello-lazy"]).output == "hello\n"
    finally:
        del cli.commands["hello-lazy"]
    assert "hello-lazy" not in cli.commands
