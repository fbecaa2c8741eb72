"""The ``partnerbot`` command line: run, setup, check-config, sandbox, export, backup, publish, invite-url."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import discord

from bot.checks import check_all, check_backup_target, check_database
from bot.config import Settings, config_warnings
from bot.logs import install as install_log_redaction
from bot.services.leads.model import FORMATS

log = logging.getLogger(__name__)

#: Exactly what the bot does in a server, and why (README lists the same).
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,  # see the configured channels
    send_messages=True,  # cards, review cards, updates, digests
    send_messages_in_threads=True,  # checklist questions and update discussions
    create_public_threads=True,  # one thread per checklist run and per update
    manage_threads=True,  # reopen an archived checklist thread, archive a cancelled one
    embed_links=True,  # every card is an embed
    attach_files=True,  # /lead export
    read_message_history=True,  # edit its own earlier question messages and cards
)


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def _settings_or_exit(config: Path) -> Settings | None:
    settings, problems = check_all(config)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return None
    return settings


def cmd_check_config(args: argparse.Namespace) -> int:
    settings, problems = check_all(Path(args.config))
    if problems:
        for problem in problems:
            print(problem)
        return 2
    assert settings is not None
    for warning in config_warnings(settings):
        print(f"{args.config}: warning: {warning}")
    print("ok")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.run import run_bot

    settings = _settings_or_exit(Path(args.config))
    if settings is None:
        return 2
    token = settings.token()
    if not token:
        return _fail(
            f"No bot token: set the {settings.token_env} environment variable "
            f"(export {settings.token_env}=<token from the Discord developer portal>) and run again."
        )
    return run_bot(settings, token)


#: A Discord id: a positive 64-bit number, written in digits.
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")


def cmd_invite_url(args: argparse.Namespace) -> int:
    text = args.client_id.strip()
    if not _SNOWFLAKE.fullmatch(text) or not 0 < int(text) < 2**64:
        return _fail(
            f"--client-id {args.client_id!r} is not an application id: copy the Application ID from the "
            "Discord developer portal (General Information), a long positive number"
        )
    url = discord.utils.oauth_url(int(text), permissions=BOT_PERMISSIONS, scopes=("bot", "applications.commands"))
    print(url)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.db import DatabaseTooNew, feedback_path, open_database

    settings = _settings_or_exit(Path(args.config))
    if settings is None:
        return 2
    dest = Path(args.path)
    problem = check_database(settings.database, Path(args.config)) or check_backup_target(dest, settings.database)
    if problem:
        return _fail(problem)

    async def backup() -> None:
        db = await open_database(settings.database)
        try:
            await db.backup(dest)
        finally:
            await db.close()

    created = [path for path in (dest, feedback_path(dest)) if not path.exists()]
    try:
        asyncio.run(backup())
    except DatabaseTooNew as error:  # the feedback store (the database itself was checked above)
        return _fail(str(error))
    except (sqlite3.Error, OSError) as error:
        for path in created:  # no half a backup (the feedback store is copied first)
            path.unlink(missing_ok=True)
        return _fail(f"backup to {dest} failed: {_one_line(error)}")
    print(f"backed up {settings.database} to {dest} (feedback store: {feedback_path(dest)})")
    return 0


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def cmd_export(args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from bot.db import DatabaseTooNew, open_database
    from bot.errors import PartnerBotError
    from bot.services.leads import ExportSummary, write_export

    settings = _settings_or_exit(Path(args.config))
    if settings is None:
        return 2
    problem = check_database(settings.database, Path(args.config), guild_id=settings.guild_id)
    if problem:
        return _fail(problem)
    target = Path(args.out)
    if args.out != "-" and target.is_dir():
        return _fail(f"export: {target} is a folder: name the file to write, for example {target / 'leads.csv'}")
    if args.out != "-" and not target.parent.is_dir():
        return _fail(f"export: folder {target.parent} does not exist: create it first, or choose another path")

    async def export(out: BinaryIO) -> ExportSummary:
        db = await open_database(settings.database)
        try:
            return await write_export(db, settings.guild_id, args.format, out, status=args.status, now=system_clock())
        finally:
            await db.close()

    try:
        if args.out == "-":
            asyncio.run(export(sys.stdout.buffer))
            sys.stdout.flush()
            return 0
        # Streamed a page at a time into a file beside the target, which it replaces only when complete.
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as out:
                result = asyncio.run(export(out))
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    except (PartnerBotError, DatabaseTooNew) as error:
        return _fail(str(error))
    except BrokenPipeError:  # `partnerbot export | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        return _fail(f"export to {args.out} failed: {_one_line(error)}")
    left_out = f"; {result.left_out} working-group-only leads left out" if result.left_out else ""
    print(f"wrote {result.count} leads to {args.out}{left_out}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Write the register and the decisions to the wiki now (``--dry-run``: only print what would change)."""
    from bot.clock import system_clock
    from bot.db import open_database
    from bot.services import wiki

    settings = _settings_or_exit(Path(args.config))
    if settings is None:
        return 2
    wiki_settings = settings.wiki
    if wiki_settings is None:
        return _fail(f"{args.config} has no wiki: section, so there is nowhere to publish (see the README)")
    problem = check_database(settings.database, Path(args.config), guild_id=settings.guild_id)
    if problem:  # an empty register published over the real one would be worse than nothing
        return _fail(problem)
    if wiki_settings.name_reviewers and not args.dry_run:
        return _fail("wiki.name_reviewers needs the running bot's member list: use /publish now in Discord")

    async def publish() -> wiki.RunReport:
        db = await open_database(settings.database)
        try:
            service = wiki.WikiService(
                db, settings.guild_id, wiki_settings, system_clock, fallback_locale=settings.locale
            )
            # A failed run is not recorded: the operator reads it here; the digest reports the bot's own runs.
            return await service.publish(dry_run=args.dry_run, overwrite=args.overwrite, record_failure=False)
        finally:
            await db.close()

    report = asyncio.run(publish())
    if report.failure:
        return _fail(f"publishing failed: {report.failure}", 1)
    for page in report.pages:
        prefix = "would be " if report.dry_run and page.outcome != "hand_edited" else ""
        print(f"{page.title}: {prefix}{_VERBS[page.outcome]} ({page.changes})")
        if page.diff:
            print(page.diff)
    return 0


_VERBS = {
    "create": "created",
    "append": "given the bot's part below what is there",
    "replace": "updated",
    "unchanged": "left as it is",
    "hand_edited": "left alone: edited by hand inside the markers (--overwrite replaces it)",
    "damaged": "left alone: a marker is missing, doubled or out of order; put back one begin and one end",
}


def cmd_sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import run_sandbox

    wiki = None
    if args.wiki_api:
        if not args.wiki_user:
            return _fail("--wiki-api needs --wiki-user (the bot password's login name, like Name@partnerbot)")
        # Pages under the account's user page unless the sandbox says otherwise: trying it out never
        # touches the movement's real register.
        account = args.wiki_user.split("@", 1)[0]
        wiki = {
            "api_url": args.wiki_api,
            "user": args.wiki_user,
            "password_env": args.wiki_password_env,
            "pages": {
                "register": f"User:{account}/Partnerships sandbox/Register",
                "decisions": f"User:{account}/Partnerships sandbox/Decisions",
            },
        }
    return run_sandbox(script=args.script, database=args.database, locale=args.locale, wiki=wiki)


def cmd_setup(args: argparse.Namespace) -> int:
    from bot.setup import main as run_setup

    return run_setup(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnerbot", description="The partnerships working group's bot.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", default="config.yaml", help="config file (default: config.yaml)")
        return p

    run = sub.add_parser(
        "run",
        help="start the bot (token from DISCORD_TOKEN)",
        epilog="exit status: 0 stopped; 1 Discord unreachable at start (try again later); 2 something to fix first "
        "(config, token, the bot not in the server). Once connected, a lost network is retried, not an exit.",
    )
    with_config(run).set_defaults(func=cmd_run)
    with_config(sub.add_parser("check-config", help="validate config, questionnaires and catalogs")).set_defaults(
        func=cmd_check_config
    )
    invite = sub.add_parser("invite-url", help="print the URL that adds the bot to a server")
    invite.add_argument("--client-id", required=True, help="the application's client id (Application ID)")
    invite.set_defaults(func=cmd_invite_url)
    backup = with_config(sub.add_parser("backup", help="write an online, consistent copy of the database"))
    backup.add_argument("path", help="where to write the copy")
    backup.set_defaults(func=cmd_backup)
    export = with_config(sub.add_parser("export", help="export the leads register"))
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--status", default=None, help="only leads with this status")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    from bot.setup import add_arguments as add_setup_arguments

    setup = with_config(sub.add_parser("setup", help="pick the server, channels and roles by name; write the config"))
    add_setup_arguments(setup)
    setup.set_defaults(func=cmd_setup)
    publish = with_config(sub.add_parser("publish", help="write the register and decisions to the wiki now"))
    publish.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    publish.add_argument("--overwrite", action="store_true", help="replace the bot's part even if edited by hand")
    publish.set_defaults(func=cmd_publish)
    sandbox = sub.add_parser("sandbox", help="try the bot against a simulated server, no token needed")
    sandbox.add_argument("--script", default=None, help="run the commands in FILE instead of a prompt")
    sandbox.add_argument("--database", default=None, help="keep the database at PATH (default: temporary)")
    sandbox.add_argument("--locale", default="en-US", help="the members' Discord language (en-US, es-ES, fr, ar)")
    sandbox.add_argument("--wiki-api", default=None, help="publish to the wiki whose api.php is at URL")
    sandbox.add_argument("--wiki-user", default=None, help="the bot password's login name (Name@appid)")
    sandbox.add_argument(
        "--wiki-password-env",
        default="WIKI_BOT_PASSWORD",
        help="variable holding the bot password (default: %(default)s)",
    )
    sandbox.set_defaults(func=cmd_sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Whatever runs, nothing a library logs carries feedback, authors or payloads (bot/logs.py).
    install_log_redaction()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
