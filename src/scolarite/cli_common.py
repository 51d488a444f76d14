"""What the command groups of the ``scolarite`` command (:mod:`scolarite.cli`, :mod:`scolarite.cli_import`) share:
plain help, the two consoles, and failures said in one line."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def command_group(help: str, *, add_completion: bool = True) -> typer.Typer:
    """A group of commands with plain help (click's): rich's panels print a `<bool>` type after every flag, and
    read the `[default: …]` of a help text as markup.  Without arguments, a group shows its help."""
    return typer.Typer(help=help, add_completion=add_completion, rich_markup_mode=None, no_args_is_help=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop the command: ``message`` on stderr, and exit code ``code``."""
    errors.print(message, style="red", markup=False)
    raise typer.Exit(code)
