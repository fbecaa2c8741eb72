"""What the current member sees of the simulated server: which messages, printed how, and which are new
since the last line."""

from __future__ import annotations

from collections.abc import Callable

from bot.sandbox._places import Places
from bot.sandbox._render import readable, render_message, render_modal
from bot.sim import Sim
from bot.sim.models import InteractionResult, SimChannel, SimMessage, SimModal, SimUser


class Screen:
    def __init__(
        self, sim: Sim, out: Callable[[str], None], places: Places, locale: Callable[[], str] = lambda: "en-US"
    ) -> None:
        self.sim = sim
        self.out = out
        self.places = places
        self.seen = len(sim.server.messages)  # kept messages of an earlier run are not news
        # Who each interaction answer went to: a deferred answer carries no interaction token of its own.
        self.answered: dict[int, int] = {}
        #: The current member's Discord language, read at each rendering (``locale`` changes it).
        self.locale = locale
        self._readable = readable(sim.server, sim.clock, locale)

    def visible(self, message: SimMessage, user: SimUser) -> bool:
        if message.ephemeral:
            owner = self.answered.get(message.id)
            if owner is None:
                record = self.sim.server.interactions.get(message.interaction_token or "")
                owner = record.user.id if record is not None else None
            return owner == user.id
        channel = self.sim.server.channels.get(message.channel_id)
        if channel is not None and channel.type == 1:
            return channel.recipient_id == user.id
        return True

    def render(self, message: SimMessage, *, edited: bool = False, dated: bool = False) -> str:
        author = self.sim.server.users.get(message.author_id)
        return render_message(
            message,
            self.places.where(self.sim.server.channels.get(message.channel_id)),
            edited=edited,
            author=author.name if author is not None else None,
            text=self._readable,
            dated=dated,
            locale=self.locale(),
        )

    def print_new(self, user: SimUser, result: InteractionResult | None = None) -> SimModal | None:
        """Print what ``user`` sees of the messages sent since the last call, and of ``result``; returns the
        modal the bot opened, if any."""
        messages = list(self.sim.server.messages.values())
        fresh = [m for m in messages[self.seen :] if not m.data.get("_loading")]
        self.seen = len(messages)
        if result is not None:
            for message in result.messages:
                self.answered[message.id] = user.id
                if message not in fresh:  # a deferred answer: its placeholder was counted as seen
                    fresh.append(message)
        for message in fresh:
            if self.visible(message, user):
                self.out(self.render(message))
        if result is None:
            return None
        if result.updated is not None and result.updated not in fresh:
            self.out(self.render(result.updated, edited=True))
        if result.modal is not None:
            self.out(render_modal(result.modal))
        return result.modal

    def anything_new(self, user: SimUser) -> bool:
        fresh = list(self.sim.server.messages.values())[self.seen :]
        return any(self.visible(m, user) and not m.data.get("_loading") for m in fresh)

    def latest_with(
        self, user: SimUser, predicate: Callable[[SimMessage], bool], nth: int = 1, place: SimChannel | None = None
    ) -> SimMessage | None:
        """The ``nth`` latest message ``user`` sees (in ``place``, if given) that ``predicate`` accepts."""
        found = 0
        for message in reversed(list(self.sim.server.messages.values())):
            if place is not None and message.channel_id != place.id:
                continue
            if self.visible(message, user) and predicate(message):
                found += 1
                if found == nth:
                    return message
        return None
