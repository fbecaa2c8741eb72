"""What a member does in the simulated Discord (a slash command, a button pressed, a menu choice, a form
submitted, a DM) and waiting until the bot has finished with it: the driving side of :class:`bot.sim.Sim`.

Every action builds the payload Discord would send (INTERACTION_CREATE, MESSAGE_CREATE), hands it to
discord.py's own ``ConnectionState`` parser, waits for the tasks it caused, and returns what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.internals import decode_gateway_json
from bot.sim.models import InteractionResult, SimChannel, SimMessage, SimModal, SimUser, clone
from bot.sim.payloads import InteractionPayloads, SimError

if TYPE_CHECKING:
    from bot.app import PartnerBot

#: The tasks one delivered action gave rise to: set around the parser call; every task created in that
#: context (and every task those create, since tasks inherit their creator's context) is added to it.
_caused: contextvars.ContextVar[list[asyncio.Task[Any]] | None] = contextvars.ContextVar("sim_caused", default=None)


def task_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    """asyncio's own Task, noted in the list of the action that caused it (if any)."""
    task: asyncio.Task[Any] = asyncio.Task(coro, loop=loop, **kwargs)
    context = kwargs.get("context")
    caused = context.get(_caused) if context is not None else _caused.get()
    if caused is not None:
        caused.append(task)
    return task


class MemberActions(InteractionPayloads):
    """The actions of :class:`bot.sim.Sim`, which starts the bot and provides the server and the people."""

    bot: PartnerBot
    #: discord.py's own webhook adapter (interaction responses, follow-ups); its session is the sim's.
    adapter: AsyncWebhookAdapter
    json_wire: bool
    _task_timeout: float

    # -- waiting for the bot ----------------------------------------------------------------------
    async def settle(self, baseline: set[asyncio.Task[Any]] | None = None) -> None:
        """Wait until every task the bot started for the last action has finished."""
        current = asyncio.current_task()
        await self._wait_until_done(
            lambda: [t for t in asyncio.all_tasks() if t is not current and (baseline is None or t not in baseline)]
        )

    async def _wait_until_done(self, watched: Callable[[], list[asyncio.Task[Any]]]) -> None:
        """Wait (at most the task timeout) until no task ``watched()`` names is still running, leaving out
        long-lived background tasks."""
        deadline = asyncio.get_running_loop().time() + self._task_timeout
        while True:
            for _ in range(3):
                await asyncio.sleep(0)
            pending = [t for t in watched() if not t.done() and not is_background(t)]
            if not pending:
                return
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise SimError(f"the bot did not finish: {[t.get_name() for t in pending]}")
            await asyncio.wait(pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)

    # -- interactions -----------------------------------------------------------------------------
    async def _deliver(self, payload: dict[str, Any], result: InteractionResult) -> InteractionResult:
        await self._feed(self.bot._connection.parse_interaction_create, payload)
        return result

    async def _feed(self, parser: Callable[[Any], None], data: dict[str, Any]) -> None:
        """Hand ``data`` to discord.py's parser, then wait for every task that caused (not for unrelated
        ones: several actions may be in flight at once)."""
        async_context.set(self.adapter)
        if self.json_wire:
            # The json module escapes every non-ASCII character, a lone surrogate included, as JSON allows.
            data = decode_gateway_json(json.dumps(data))
        if asyncio.get_running_loop().get_task_factory() is not task_factory:
            baseline = set(asyncio.all_tasks())
            parser(data)
            await self.settle(baseline)
            return
        caused: list[asyncio.Task[Any]] = []
        token = _caused.set(caused)
        try:
            parser(data)
        finally:
            _caused.reset(token)
        await self._wait_until_done(lambda: caused)

    async def slash(
        self,
        command: str,
        *,
        user: str | SimUser = "alice",
        channel: str | SimChannel | None = None,
        dm: bool = False,
        locale: str = "en-US",
        options: Mapping[str, Any] | None = None,
        **named: Any,
    ) -> InteractionResult:
        """Run ``/command`` as ``user`` with the given options (pass ``options={...}`` for options
        whose names clash with this method's own, such as ``channel`` or ``user``)."""
        who = self._user(user)
        where = self._channel_for(who, channel, dm)
        data = self._command_data(command, {**(options or {}), **named}, where.type == 1)
        payload, result = self._base_payload(2, who, where, locale, data)
        return await self._deliver(payload, result)

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str,
        *,
        user: str | SimUser = "alice",
        channel: str | SimChannel | None = None,
        dm: bool = False,
        locale: str = "en-US",
        **others: Any,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while ``user`` types ``value`` into ``option``."""
        who = self._user(user)
        where = self._channel_for(who, channel, dm)
        data = self._command_data(command, {**others, option: value}, where.type == 1, focused=option)
        payload, result = self._base_payload(4, who, where, locale, data)
        await self._deliver(payload, result)
        return result.choices

    async def click(
        self, message: SimMessage, button: str, *, user: str | SimUser = "alice", locale: str = "en-US"
    ) -> InteractionResult:
        """Press the button labelled (or with custom_id) ``button`` on ``message``."""
        comp = self._component(message, button, (2,))
        if comp.get("disabled"):
            raise SimError(f"button {button!r} is disabled")
        who = self._user(user)
        where = self.server.channels[message.channel_id]
        data = {"custom_id": comp["custom_id"], "component_type": 2}
        payload, result = self._base_payload(3, who, where, locale, data)
        payload["message"] = self._message_payload(message)
        self.server.interactions[payload["token"]].source = message
        return await self._deliver(payload, result)

    async def select(
        self,
        message: SimMessage,
        values: Sequence[str],
        *,
        which: str | None = None,
        user: str | SimUser = "alice",
        locale: str = "en-US",
    ) -> InteractionResult:
        """Choose ``values`` in a select menu of ``message`` (``which``: placeholder or custom_id)."""
        if which is None:
            selects = message.selects
            if not selects:
                raise SimError(f"no select menu on {message!r}")
            comp = selects[0]
        else:
            comp = self._component(message, which, (3, 5, 6, 7, 8))
        allowed = {o["value"] for o in comp.get("options") or []}
        for value in values:
            if comp.get("type") == 3 and value not in allowed:
                raise SimError(f"{value!r} is not an option of the select; options: {sorted(allowed)}")
        who = self._user(user)
        where = self.server.channels[message.channel_id]
        data = {"custom_id": comp["custom_id"], "component_type": comp["type"], "values": list(values)}
        payload, result = self._base_payload(3, who, where, locale, data)
        payload["message"] = self._message_payload(message)
        self.server.interactions[payload["token"]].source = message
        return await self._deliver(payload, result)

    async def submit(
        self,
        modal: SimModal | None,
        values: Mapping[str, str],
        *,
        user: str | SimUser = "alice",
        locale: str = "en-US",
    ) -> InteractionResult:
        """Submit ``modal`` with ``values`` keyed by field label or custom_id."""
        if modal is None:
            raise SimError("no modal is open")
        filled = {f.custom_id: f.value or "" for f in modal.fields}
        for key, value in values.items():
            filled[modal.field(key).custom_id] = value
        who = self._user(user)
        where = self.server.channels[modal.channel_id or self.channel("general").id]
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": cid, "value": v}]} for cid, v in filled.items()]
        data = {"custom_id": modal.custom_id, "components": rows}
        payload, result = self._base_payload(5, who, where, locale, data)
        if modal.message is not None:
            payload["message"] = self._message_payload(modal.message)
            self.server.interactions[payload["token"]].source = modal.message
        return await self._deliver(payload, result)

    async def dm(self, user: str | SimUser, content: str = "", *, attachments: Sequence[str] = ()) -> list[SimMessage]:
        """``user`` writes to the bot in a DM; returns what the bot sent in that DM meanwhile."""
        who = self._user(user)
        channel = self.server.dm_channel(who)
        before = len(channel.messages)
        payload = {"content": content}
        files = [(name, b"simulated attachment") for name in attachments]
        message = self.server.make_message(channel.id, payload, files, author=who.payload(), flags=0)
        self.server.store(message)
        await self._feed(self.bot._connection.parse_message_create, clone(message.data))
        return [m for m in channel.messages[before:] if m.author_id == self.server.bot_user_id]


def is_background(task: asyncio.Task[Any]) -> bool:
    """Long-lived tasks that never finish on their own: view timeouts and background loops."""
    name = task.get_name()
    if name.startswith("discord-ui-view-timeout") or name.startswith("pb-loop"):
        return True
    coro = task.get_coro()
    qualname = getattr(coro, "__qualname__", "")
    return "timeout_task_impl" in qualname or "Loop._loop" in qualname
