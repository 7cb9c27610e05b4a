"""A click group that imports a command's module only when that command is used.

``tessera --help`` lists every command with its one-line help from the group's
own table, so it imports none of them: the command modules pull in the store,
pricing, pydantic and rich, which would double the start-up time of the help.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, NamedTuple

import click


class LazyCommand(NamedTuple):
    """Where a command lives and the first paragraph of its help.

    Attributes:
        target: ``"package.module:attribute"`` of the click command.
        help: The command's help up to its first blank line, shown by the group's
            ``--help`` without importing the module (keep it equal to the docstring's).
    """

    target: str
    help: str


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's ``commands``: names known up front, commands imported on first access."""

    def __init__(
        self,
        table: Mapping[str, LazyCommand],
        prepare: Callable[[click.Command], None] | None = None,
    ) -> None:
        self.table = dict(table)
        self._prepare = prepare
        self._loaded: dict[str, click.Command] = {}

    def loaded(self, name: str) -> click.Command | None:
        """The command if it is already imported (or was added directly), else ``None``."""
        return self._loaded.get(name)

    def __getitem__(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            module, _, attribute = self.table[name].target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):  # pragma: no cover - a wrong table row
                raise TypeError(f"{self.table[name].target} is not a click command")
            if self._prepare is not None:
                self._prepare(command)
            self._loaded[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        found = self._loaded.pop(name, None) is not None
        found = self.table.pop(name, None) is not None or found
        if not found:
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self.table, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self.table) | set(self._loaded))


class LazyGroup(click.Group):
    """A :class:`click.Group` whose commands are given as a :class:`LazyCommand` table.

    Args:
        lazy_commands: Command name to where it lives and its one-line help.
        prepare: Called with each command when it is first imported (to add
            options every command shares).
        **kwargs: What :class:`click.Group` takes.
    """

    def __init__(
        self,
        *args: Any,
        lazy_commands: Mapping[str, LazyCommand],
        prepare: Callable[[click.Command], None] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.commands: LazyCommands = LazyCommands(lazy_commands, prepare)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the command list from the table, importing no command module."""
        shown: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.loaded(name)
            if command is None:
                # A stand-in carrying the table's help, so click shortens it as usual.
                command = click.Command(name, help=self.commands.table[name].help)
            if not command.hidden:
                shown.append((name, command))
        if not shown:
            return
        # The width click gives the help column: three times its usual spacing.
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        rows = [(name, command.get_short_help_str(limit)) for name, command in shown]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
