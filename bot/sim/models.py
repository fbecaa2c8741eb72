"""What the simulated server holds and what tests look at: users, channels, messages, modals, results."""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from typing import Any


def clone(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, strings, numbers, booleans, None), several times
    faster than ``copy.deepcopy``: every message the simulated server stores or hands out is copied."""
    return marshal.loads(marshal.dumps(value))


EPHEMERAL = 1 << 6


@dataclass
class SimUser:
    id: int
    name: str
    role_ids: list[int] = field(default_factory=list)
    in_guild: bool = True
    dms_open: bool = True
    dm_channel_id: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": False,
            "public_flags": 0,
        }

    def member_payload(self, joined_at: str) -> dict[str, Any]:
        return {
            "user": self.payload(),
            "roles": [str(r) for r in self.role_ids],
            "joined_at": joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "pending": False,
            "permissions": "0",
        }


@dataclass
class SimMessage:
    """A message as the server stored it (the JSON Discord would return), with readable accessors."""

    data: dict[str, Any]
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    interaction_token: str | None = None

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def channel_id(self) -> int:
        return int(self.data["channel_id"])

    @property
    def author_id(self) -> int:
        return int(self.data["author"]["id"])

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def _walk(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        stack = list(self.components)
        while stack:
            comp = stack.pop(0)
            found.append(comp)
            stack[0:0] = list(comp.get("components") or [])
        return found

    @property
    def buttons(self) -> list[str]:
        """Labels of the buttons, in order."""
        return [c.get("label") or "" for c in self._walk() if c.get("type") == 2]

    def button(self, label_or_id: str) -> dict[str, Any] | None:
        for comp in self._walk():
            if comp.get("type") == 2 and label_or_id in (comp.get("label"), comp.get("custom_id")):
                return comp
        return None

    @property
    def selects(self) -> list[dict[str, Any]]:
        return [c for c in self._walk() if c.get("type") in (3, 5, 6, 7, 8)]

    @property
    def text(self) -> str:
        """Content plus every embed's title, description, fields and footer, one per line."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            for key in ("title", "description"):
                if embed.get(key):
                    parts.append(embed[key])
            for f in embed.get("fields") or []:
                parts.append(f"{f.get('name', '')}: {f.get('value', '')}")
            if (embed.get("footer") or {}).get("text"):
                parts.append(embed["footer"]["text"])
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"<SimMessage {self.id} in {self.channel_id}: {self.text[:60]!r} buttons={self.buttons}>"


@dataclass
class SimChannel:
    id: int
    name: str
    type: int = 0  # 0 text, 1 DM, 11 public thread, 12 private thread
    parent_id: int | None = None
    archived: bool = False
    locked: bool = False
    forbidden: bool = False
    recipient_id: int | None = None
    owner_id: int | None = None
    starter_message_id: int | None = None
    member_ids: set[int] = field(default_factory=set)
    messages: list[SimMessage] = field(default_factory=list)
    created_at: str = ""
    #: The channel's ``permission_overwrites`` as Discord sends them (resources/channel#overwrite-object):
    #: ``{"id": role or user id, "type": 0 role | 1 member, "allow": "<bits>", "deny": "<bits>"}``.
    overwrites: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    @property
    def last(self) -> SimMessage | None:
        return self.messages[-1] if self.messages else None

    def find(self, text: str) -> SimMessage | None:
        """The latest message whose text contains ``text``."""
        for message in reversed(self.messages):
            if text in message.text:
                return message
        return None

    def with_button(self, label: str) -> SimMessage | None:
        for message in reversed(self.messages):
            if message.button(label) is not None:
                return message
        return None


@dataclass
class SimField:
    custom_id: str
    label: str
    value: str | None = None
    required: bool = True
    max_length: int | None = None
    min_length: int | None = None
    style: int = 1


@dataclass
class SimModal:
    custom_id: str
    title: str
    fields: list[SimField]
    channel_id: int | None = None
    message: SimMessage | None = None

    def field(self, key: str) -> SimField:
        for f in self.fields:
            if key in (f.custom_id, f.label) or key.lower() == f.label.lower():
                return f
        raise KeyError(f"modal {self.title!r} has no field {key!r}; fields: {[f.label for f in self.fields]}")


@dataclass
class InteractionResult:
    """Everything the bot did in answer to one interaction."""

    kind: str
    response_type: int | None = None
    messages: list[SimMessage] = field(default_factory=list)
    modal: SimModal | None = None
    updated: SimMessage | None = None
    choices: list[dict[str, Any]] = field(default_factory=list)
    deferred: bool = False

    @property
    def reply(self) -> SimMessage | None:
        return self.messages[0] if self.messages else None

    @property
    def ephemeral(self) -> bool:
        return bool(self.reply and self.reply.ephemeral)

    @property
    def text(self) -> str:
        parts = [m.text for m in self.messages]
        if self.updated is not None and self.updated not in self.messages:
            parts.append(self.updated.text)
        return "\n".join(p for p in parts if p)

    def file(self, name: str | None = None) -> bytes:
        for message in self.messages:
            for filename, data in message.attachments:
                if name is None or filename == name:
                    return data
        raise KeyError(f"no attachment {name!r} in the response")

    def __repr__(self) -> str:
        modal = self.modal.title if self.modal else None
        return f"<InteractionResult {self.kind} type={self.response_type} modal={modal!r} text={self.text[:120]!r}>"


@dataclass
class InteractionRecord:
    """One interaction the simulated server handed the bot: where its responses and follow-ups go."""

    token: str
    channel_id: int
    user: SimUser
    result: InteractionResult
    source: SimMessage | None = None
    original: SimMessage | None = None
    responded: bool = False
    deferred_ephemeral: bool = False
    #: The interaction's type (2 command, 3 component, 4 autocomplete, 5 modal submit).
    kind: int = 2
    #: When the bot received it, on the event loop's clock (the 3-second and 15-minute rules count from here).
    received_at: float = 0.0
