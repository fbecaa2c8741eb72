"""``partnerbot setup`` against bot/sim's REST: discord.py's own HTTPClient on the simulated session picks
the server, channels and roles by name, creates what is missing, and writes a config that validates."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest

from bot import cli
from bot.checks import check_all
from bot.setup._wizard import SetupOptions, Terminal, run_setup
from bot.sim import SimServer
from bot.sim.http import SimHttp
from bot.sim.server import VIEW_CHANNEL

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = (REPO / "config.example.yaml").read_text(encoding="utf-8")
TOKEN = "bot-token-from-the-portal"
ALL_FLAGS = {
    "channels.leads": "leads",
    "channels.checklists": "checklists",
    "channels.announcements": "announcements",
    "channels.digest": "digest",
    "roles.working_group": "Partnerships working group",
    "roles.reviewers": "Partnership reviewers",
}
NEW_NAMES = {
    "channels.leads": "partnership-leads",
    "channels.checklists": "partnership-checklists",
    "channels.announcements": "partnership-updates",
    "channels.digest": "partnership-digest",
    "roles.working_group": "Partnerships working group",
    "roles.reviewers": "Partnership reviewers",
}
MANAGE_CHANNELS = discord.Permissions(manage_channels=True).value
MANAGE_ROLES = discord.Permissions(manage_roles=True).value
#: What a new server's @everyone may do (bot/sim's default also lets it manage channels and roles).
MEMBER_PERMS = discord.Permissions(
    view_channel=True, send_messages=True, read_message_history=True, embed_links=True, add_reactions=True
).value


@dataclass
class Run:
    code: int
    out: list[str]
    err: list[str]
    prompts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.out + self.err)


def bare_server() -> SimServer:
    """A server with no channels and no roles but the bot's (an administrator), which logs in with TOKEN."""
    server = SimServer(guild_name="Movement hub")
    server.token = TOKEN
    server.everyone_permissions = str(MEMBER_PERMS)
    return server


def hub(*, channels: tuple[str, ...] = ("general", "leads", "checklists", "announcements", "digest")) -> SimServer:
    """A server with the usual roles and channels."""
    server = bare_server()
    server.add_role("Partnerships working group")
    server.add_role("Partnership reviewers")
    server.add_role("Movement members")
    for name in channels:
        server.add_channel(name)
    return server


def answers_from(items: list[str], prompts: list[str]) -> Any:
    """A fake ``input``: the answers in order; one more question than answers is EOF (setup cancels)."""
    queue: Iterator[str] = iter(items)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(queue)
        except StopIteration:
            raise EOFError from None

    return ask


async def run(
    server: SimServer,
    config: Path,
    *,
    answers: list[str] | None = None,
    environ: dict[str, str] | None = None,
    **options: Any,
) -> Run:
    out: list[str] = []
    err: list[str] = []
    prompts: list[str] = []
    ask = answers_from(answers, prompts) if answers is not None else None
    terminal = Terminal(out=out.append, err=err.append, ask=ask)
    http = SimHttp(server, asyncio.get_running_loop())
    environ = {"DISCORD_TOKEN": TOKEN} if environ is None else environ
    code = await run_setup(SetupOptions(config=config, **options), terminal, http=http, environ=environ)
    return Run(code, out, err, prompts)


def assert_valid_config_with_comments(path: Path) -> Any:
    settings, problems = check_all(path)
    assert problems == [] and settings is not None
    text = path.read_text(encoding="utf-8")
    comments = [line for line in EXAMPLE.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in text.splitlines() for line in comments)
    assert cli.main(["check-config", "--config", str(path)]) == 0
    return settings


def role(server: SimServer, name: str) -> int:
    return server.roles[name]


# -- picking existing ones ----------------------------------------------------------------------------------
async def test_interactive_picks_by_number_and_name(tmp_path: Path) -> None:
    server = hub()
    config = tmp_path / "config.yaml"
    # Channels in the menu, by name: announcements, checklists, digest, general, leads; roles: Movement
    # members, Partnership reviewers, Partnerships working group.
    answers = [
        "5",  # leads: by number
        "#Checklists",  # by name, any case, with the #
        "",  # announcements: the default (the channel of that name)
        "digest",
        "@partnerships WORKING group",
        "2",  # reviewers
        "Movement members",
        "y",  # write it
    ]
    result = await run(server, config, answers=answers)
    assert result.code == 0, result.text
    settings = assert_valid_config_with_comments(config)
    assert settings.guild_id == server.guild_id
    assert settings.channels.leads == server.channel_named("leads").id
    assert settings.channels.checklists == server.channel_named("checklists").id
    assert settings.channels.announcements == server.channel_named("announcements").id
    assert settings.channels.digest == server.channel_named("digest").id
    assert settings.roles.working_group == role(server, "Partnerships working group")
    assert settings.roles.reviewers == role(server, "Partnership reviewers")
    assert settings.roles.members == role(server, "Movement members")
    assert settings.token_env == "DISCORD_TOKEN"
    assert "Server: Movement hub" in result.out
    assert "  4. #general" in result.out
    # Public channels chosen for private ones: said, not refused (the running bot warns too).
    assert any(line.startswith("Warning: #leads (channels.leads) can be read by @everyone") for line in result.out)
    assert not any("#announcements (channels.announcements)" in line for line in result.out)
    # Nothing was created.
    assert [r for r in server.requests if r.startswith("POST")] == []


async def test_interactive_ambiguous_and_unknown_answers_ask_again(tmp_path: Path) -> None:
    server = hub(channels=("general", "leads", "leads", "checklists", "announcements", "digest"))
    config = tmp_path / "config.yaml"
    twins = sorted(c.id for c in server.channels.values() if c.name == "leads")
    answers = ["leads", "nowhere", "n", str(twins[1]), "", "", "", "", "", "", "y"]
    result = await run(server, config, answers=answers)
    assert result.code == 0, result.text
    assert any(line.startswith('"leads" matches 2 text channels: #leads (id ') for line in result.out)
    assert "There is no #nowhere. Add it as a new channel? [Y/n] " in result.prompts
    settings = assert_valid_config_with_comments(config)
    assert settings.channels.leads == twins[1]
    assert settings.roles.members is None  # the default: everyone counts


async def test_flags_without_a_terminal(tmp_path: Path) -> None:
    server = hub()
    config = tmp_path / "config.yaml"
    names = {**ALL_FLAGS, "channels.leads": "#LEADS", "roles.reviewers": str(role(server, "Partnership reviewers"))}
    result = await run(server, config, names=names, token_env="PB_TOKEN", environ={"PB_TOKEN": TOKEN})
    assert result.code == 0, result.text
    assert result.prompts == []
    settings = assert_valid_config_with_comments(config)
    assert settings.channels.leads == server.channel_named("leads").id
    assert settings.roles.reviewers == role(server, "Partnership reviewers")
    assert settings.roles.members is None
    assert settings.token_env == "PB_TOKEN"


async def test_without_a_terminal_every_pick_needs_a_flag(tmp_path: Path) -> None:
    result = await run(hub(), tmp_path / "config.yaml", names={"channels.leads": "leads"})
    assert result.code == 2 and len(result.err) == 1
    assert result.err[0].startswith("No terminal to ask in: give --checklists-channel NAME, ")
    assert "--leads-channel" not in result.err[0]


async def test_ambiguous_and_unknown_names_in_flags(tmp_path: Path) -> None:
    server = hub(channels=("general", "leads", "leads", "checklists", "announcements", "digest"))
    server.add_role("reviewers")  # beside "Partnership reviewers"; and "Reviewers" next
    server.add_role("Reviewers")
    config = tmp_path / "config.yaml"

    twice = await run(server, config, names=ALL_FLAGS)
    assert twice.code == 2 and len(twice.err) == 1
    assert twice.err[0].startswith('--leads-channel "leads" matches 2 text channels: #leads (id ')
    assert twice.err[0].endswith("; give the id instead.")

    roles = await run(server, config, names={**ALL_FLAGS, "channels.leads": "general", "roles.reviewers": "REVIEWERS"})
    assert roles.code == 2 and len(roles.err) == 1
    assert roles.err[0].startswith('--reviewers-role "REVIEWERS" matches 2 roles: "reviewers" (id ')

    unknown = await run(server, config, names={**ALL_FLAGS, "channels.leads": "general", "channels.digest": "digets"})
    assert unknown.code == 2 and len(unknown.err) == 1
    assert unknown.err[0] == (
        '--digest-channel "digets": no text channel of that name in Movement hub; text channels: #announcements, '
        "#checklists, #digest, #general, #leads, #leads (--create-missing creates it)."
    )

    no_server = await run(server, config, names=ALL_FLAGS, guild="Elsewhere")
    assert no_server.code == 2
    assert no_server.err == [
        '--guild "Elsewhere": no server of that name in the bot\'s servers; servers: "Movement hub".'
    ]
    assert not config.exists()
    assert [r for r in server.requests if r.startswith("POST")] == []


async def test_choosing_among_several_servers(tmp_path: Path) -> None:
    server = hub()
    server.add_other_guild("Another wiki club")
    config = tmp_path / "config.yaml"
    unsaid = await run(server, config, names=ALL_FLAGS)
    assert unsaid.code == 2
    assert unsaid.err == ['The bot is in 2 servers ("Another wiki club", "Movement hub"): say which with --guild NAME.']
    named = await run(server, config, names=ALL_FLAGS, guild="movement HUB")
    assert named.code == 0, named.text
    config.unlink()
    asked = await run(server, config, names=ALL_FLAGS, answers=["3", "2", "y"])
    assert asked.code == 0, asked.text
    assert "  1. Another wiki club" in asked.out and "  2. Movement hub" in asked.out
    assert check_all(config)[0].guild_id == server.guild_id  # type: ignore[union-attr]


# -- creating what is missing -------------------------------------------------------------------------------
def overwrites_of(server: SimServer, name: str) -> dict[tuple[int, int], tuple[int, int]]:
    channel = server.channel_named(name)
    return {(int(o["id"]), o["type"]): (int(o["allow"]), int(o["deny"])) for o in channel.overwrites}


def assert_private(server: SimServer, name: str, wg: int, reviewers: int) -> None:
    assert overwrites_of(server, name) == {
        (server.guild_id, 0): (0, VIEW_CHANNEL),
        (wg, 0): (VIEW_CHANNEL, 0),
        (reviewers, 0): (VIEW_CHANNEL, 0),
        (server.bot_role_id, 0): (VIEW_CHANNEL, 0),
    }


async def test_create_missing_from_flags_makes_private_channels(tmp_path: Path) -> None:
    server = bare_server()
    server.add_channel("general")
    config = tmp_path / "config.yaml"
    result = await run(server, config, names=NEW_NAMES, create_missing=True)
    assert result.code == 0, result.text
    wg, reviewers = role(server, "Partnerships working group"), role(server, "Partnership reviewers")
    # The new roles grant nothing by themselves; the channels' overwrites let them read.
    assert server.role_permissions[wg] == "0" and server.role_permissions[reviewers] == "0"
    for name in ("partnership-leads", "partnership-checklists", "partnership-digest"):
        assert_private(server, name, wg, reviewers)
    assert server.channel_named("partnership-updates").overwrites == []
    settings = assert_valid_config_with_comments(config)
    assert settings.channels.leads == server.channel_named("partnership-leads").id
    assert settings.channels.announcements == server.channel_named("partnership-updates").id
    assert (settings.roles.working_group, settings.roles.reviewers) == (wg, reviewers)
    assert "Created channel #partnership-leads." in result.out
    assert any(line.startswith("Give the new roles to the working group's members") for line in result.out)
    # Roles first: the channels' overwrites name them.
    posts = [r for r in server.requests if r.startswith("POST")]
    assert [p.rsplit("/", 1)[1] for p in posts] == ["roles", "roles", "channels", "channels", "channels", "channels"]


async def test_unknown_name_without_create_missing_creates_nothing(tmp_path: Path) -> None:
    server = hub()
    result = await run(server, tmp_path / "config.yaml", names={**ALL_FLAGS, "channels.digest": "partnership-digest"})
    assert result.code == 2 and result.err[0].endswith("(--create-missing creates it).")
    assert [r for r in server.requests if r.startswith("POST")] == []


async def test_interactive_creates_new_ones_with_the_offered_names(tmp_path: Path) -> None:
    server = bare_server()
    server.add_channel("general")
    server.add_role("Reviewers")
    config = tmp_path / "config.yaml"
    # Each channel menu: 1. #general, 2. a new channel (the default); the leads channel gets its own name.
    answers = ["", "wg-leads", "", "", "", "", "", "", "", "", "1", "", "y"]
    result = await run(server, config, answers=answers)
    assert result.code == 0, result.text
    assert "  2. a new channel, #partnership-leads by default (the bot creates it)" in result.out
    assert "  2. none: everyone in the server counts as a member" in result.out
    wg, reviewers = role(server, "Partnerships working group"), role(server, "Reviewers")
    assert_private(server, "wg-leads", wg, reviewers)
    assert_private(server, "partnership-digest", wg, reviewers)
    settings = assert_valid_config_with_comments(config)
    assert settings.channels.leads == server.channel_named("wg-leads").id
    assert settings.roles.reviewers == reviewers and settings.roles.members is None
    assert "  leads channel          #wg-leads (new, private)" in result.out


async def test_a_bot_without_a_role_of_its_own_is_let_in_by_name(tmp_path: Path) -> None:
    server = bare_server()
    # Invited with no permissions: Discord makes it no role; @everyone here lets members manage channels.
    del server.roles["Partnerships bot"]
    server.everyone_permissions = str(MEMBER_PERMS | MANAGE_CHANNELS | MANAGE_ROLES)
    result = await run(server, tmp_path / "config.yaml", names=NEW_NAMES, create_missing=True)
    assert result.code == 0, result.text
    overwrites = overwrites_of(server, "partnership-leads")
    assert overwrites[(server.bot_user_id, 1)] == (VIEW_CHANNEL, 0)
    assert (server.bot_role_id, 0) not in overwrites


# -- what the bot may not do --------------------------------------------------------------------------------
async def test_without_manage_permissions_it_says_what_to_create_by_hand(tmp_path: Path) -> None:
    server = hub(channels=("general",))
    server.set_role_permissions(server.bot_role_id, MEMBER_PERMS)
    config = tmp_path / "config.yaml"
    before = (dict(server.roles), dict(server.channels))
    result = await run(
        server,
        config,
        names={**NEW_NAMES, "roles.working_group": "Partnerships working group", "roles.reviewers": "Reviewers"},
        create_missing=True,
    )
    assert result.code == 2
    message = "\n".join(result.err)
    assert message.startswith(
        "The bot may not create channels or roles in Movement hub: it lacks Manage Channels and Manage Roles. "
        "Create these by hand in Discord, then run partnerbot setup again:"
    )
    assert '  - role "Reviewers" (it needs no permissions of its own' in message
    assert (
        "  - text channel #partnership-leads, private: under Edit Channel > Permissions, turn View Channel off for "
        '@everyone and on for "Partnerships working group", "Reviewers" and the bot\'s role "Partnerships bot"'
    ) in message
    assert "  - text channel #partnership-updates (public)" in message
    assert (dict(server.roles), dict(server.channels)) == before
    assert not config.exists()


async def test_manage_channels_alone_cannot_make_the_roles(tmp_path: Path) -> None:
    server = bare_server()
    server.set_role_permissions(server.bot_role_id, MEMBER_PERMS | MANAGE_CHANNELS)
    result = await run(server, tmp_path / "config.yaml", names=NEW_NAMES, create_missing=True)
    assert result.code == 2
    assert result.err[0].startswith("The bot may not create roles in Movement hub: it lacks Manage Roles.")
    assert [r for r in server.requests if r.startswith("POST")] == []


async def test_interactive_decline_says_what_to_create_by_hand(tmp_path: Path) -> None:
    server = hub(channels=("general", "leads", "checklists", "announcements"))
    answers = ["", "", "", "", "", "", "", "", "n"]  # every default (the digest channel new, its name too); no
    result = await run(server, tmp_path / "config.yaml", answers=answers)
    assert result.code == 2
    assert result.err[0].startswith("Nothing was written. Create these by hand in Discord")
    assert "\n  - text channel #partnership-digest, private:" in result.err[0]
    assert [r for r in server.requests if r.startswith("POST")] == []


# -- the token, Discord, the file -----------------------------------------------------------------------------
async def test_no_token(tmp_path: Path) -> None:
    result = await run(hub(), tmp_path / "config.yaml", names=ALL_FLAGS, environ={})
    assert result.code == 2
    assert result.err == [
        "No bot token: set the DISCORD_TOKEN environment variable "
        "(export DISCORD_TOKEN=<token from the Discord developer portal>) and run again."
    ]


async def test_rejected_token(tmp_path: Path) -> None:
    result = await run(hub(), tmp_path / "config.yaml", names=ALL_FLAGS, environ={"DISCORD_TOKEN": "stale"})
    assert result.code == 2
    assert result.err == [
        "Discord rejected the token in DISCORD_TOKEN: copy it again from the developer portal (Bot > Reset Token)."
    ]


@pytest.mark.parametrize("kind", ["disconnect", "timeout"])
async def test_discord_unreachable(tmp_path: Path, kind: str) -> None:
    server = hub()
    server.fail_next(kind=kind, route="GET /guilds/")  # type: ignore[arg-type]
    result = await run(server, tmp_path / "config.yaml", names=ALL_FLAGS)
    assert result.code == 1 and len(result.err) == 1
    assert result.err[0].startswith("Could not reach Discord (")
    assert result.err[0].endswith("): check the network, or try again later. Nothing was written.")
    assert not (tmp_path / "config.yaml").exists()


async def test_a_failure_after_creating_says_what_was_created(tmp_path: Path) -> None:
    server = bare_server()
    server.fail_next(503, route=f"POST /guilds/{server.guild_id}/channels")  # after both roles were made
    result = await run(server, tmp_path / "config.yaml", names=NEW_NAMES, create_missing=True)
    assert result.code == 1
    assert result.err[0].startswith("Could not reach Discord (HTTP 503")
    assert result.err[0].endswith(
        'Created before that: "Partnerships working group", "Partnership reviewers" (run setup again to pick them).'
    )


async def test_an_existing_config_is_kept_without_force(tmp_path: Path) -> None:
    server = hub()
    config = tmp_path / "config.yaml"
    config.write_text("# mine\n", encoding="utf-8")
    kept = await run(server, config, names=ALL_FLAGS)
    assert kept.code == 2
    assert kept.err == [f"{config} already exists: add --force to replace it, or give another --config."]
    assert config.read_text(encoding="utf-8") == "# mine\n"
    assert server.requests == []  # refused before asking Discord anything
    replaced = await run(server, config, names=ALL_FLAGS, force=True)
    assert replaced.code == 0, replaced.text
    assert_valid_config_with_comments(config)


async def test_beside_the_shipped_questionnaires_the_path_stays_relative(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "questionnaires").symlink_to(REPO / "data" / "questionnaires")
    result = await run(hub(), folder / "config.yaml", names=ALL_FLAGS)
    assert result.code == 0, result.text
    text = (folder / "config.yaml").read_text(encoding="utf-8")
    assert "\nquestionnaires: data/questionnaires\n" in text
    assert_valid_config_with_comments(folder / "config.yaml")


def test_command_line_without_a_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code = cli.main(["setup", "--config", str(tmp_path / "config.yaml"), "--guild", "x"])
    assert code == 2
    assert capsys.readouterr().err.startswith("No bot token: set the DISCORD_TOKEN environment variable")


# -- the simulated server refuses what Discord refuses ----------------------------------------------------------
async def test_sim_refuses_overwrites_beyond_the_bots_permissions_and_other_tokens() -> None:
    server = bare_server()
    server.set_role_permissions(server.bot_role_id, MEMBER_PERMS | MANAGE_CHANNELS)
    http = SimHttp(server, asyncio.get_running_loop())
    await http.static_login(TOKEN)
    manage_messages = str(discord.Permissions(manage_messages=True).value)
    overwrite = {"id": str(server.guild_id), "type": 0, "allow": manage_messages, "deny": "0"}
    with pytest.raises(discord.Forbidden):
        await http.create_channel(server.guild_id, 0, name="x", permission_overwrites=[overwrite])
    with pytest.raises(discord.Forbidden):  # no Manage Roles
        await http.create_role(server.guild_id, name="y")
    made: Any = await http.create_channel(server.guild_id, 0, name="x")
    assert server.channels[int(made["id"])].name == "x"
    http.token = "another"
    with pytest.raises(discord.HTTPException) as refused:
        await http.get_roles(server.guild_id)
    assert refused.value.status == 401
