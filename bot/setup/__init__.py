"""``partnerbot setup``: with the bot token, pick the server, channels and roles by name and write the
config (docs/design.md section 8, "Running it"). This module is the command line's side; the wizard is ``_wizard``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.setup._slots import SLOTS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that let setup run without a terminal (``--config`` comes with every command)."""
    parser.add_argument(
        "--token-env", default="DISCORD_TOKEN", help="variable holding the bot token (default: %(default)s)"
    )
    parser.add_argument("--guild", metavar="NAME", default=None, help="the server, by name or id")
    for slot in SLOTS:
        optional = " (default: none, everyone counts)" if slot.optional else ""
        parser.add_argument(slot.flag, metavar="NAME", default=None, help=f"the {slot.title}, by name or id{optional}")
    parser.add_argument(
        "--create-missing",
        action="store_true",
        help="create a channel or role named above that does not exist (the bot needs Manage Channels / Roles)",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="answer yes to every question")
    parser.add_argument("--force", action="store_true", help="replace an existing config file")


def main(args: argparse.Namespace) -> int:
    from bot.setup._wizard import SetupOptions, Terminal, run_setup

    options = SetupOptions(
        config=Path(args.config),
        token_env=args.token_env,
        guild=args.guild,
        names={slot.key: getattr(args, slot.dest) for slot in SLOTS if getattr(args, slot.dest) is not None},
        create_missing=args.create_missing,
        yes=args.yes,
        force=args.force,
    )
    terminal = Terminal(ask=input if sys.stdin.isatty() else None)
    return asyncio.run(run_setup(options, terminal))
