"""Interaction responses as Discord takes them: the callback (reply, defer, update, modal, choices) and the
webhook follow-ups and edits of the original response, recorded on the interaction's result."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from discord.ext.test import factories

from bot.sim import rules
from bot.sim.faults import http_error
from bot.sim.models import EPHEMERAL, InteractionRecord, SimField, SimMessage, SimModal

if TYPE_CHECKING:
    from bot.sim.server import SimServer

JsonDict = dict[str, Any]


class InteractionWebhooks:
    def __init__(self, server: SimServer) -> None:
        self.server = server

    def handle(self, method: str, path: str, body: Any, files: list[tuple[str, bytes]]) -> Any:
        self.server.requests.append(f"{method} {path}")
        match = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)
        if match:
            record = self._record(match.group(2))
            return self._callback(record, body or {}, files)
        match = re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/([^/]+))?", path)
        if match is None:
            raise NotImplementedError(f"bot/sim does not simulate webhook {method} {path}")
        record = self._record(match.group(2))
        self._check_token_age(record)
        target = match.group(3)
        if target is None and method == "POST":
            return self._followup(record, body or {}, files)
        message = self._webhook_target(record, target)
        if method == "GET":
            return message.data
        if method == "PATCH":
            self.server.check_message(body or {}, files, creating=False)
            if message is record.original and record.original.data.get("_loading"):
                message.data.pop("_loading", None)
                message.data["content"] = ""
                self.server.edit_message(message, body or {}, files)
                self.server.store(message)
                record.result.messages.append(message)
                return message.data
            self.server.edit_message(message, body or {}, files)
            if record.source is not None and message is record.source:
                record.result.updated = message
            return message.data
        if method == "DELETE":
            channel = self.server.channels.get(message.channel_id)
            if channel is not None and message in channel.messages:
                channel.messages.remove(message)
            return None
        raise NotImplementedError(f"bot/sim does not simulate webhook {method} {path}")

    def _record(self, token: str) -> InteractionRecord:
        record = self.server.interactions.get(token)
        if record is None:
            raise http_error(404, "Unknown interaction", 10062)
        return record

    def _elapsed(self, record: InteractionRecord) -> float:
        return asyncio.get_running_loop().time() - record.received_at

    def _check_token_age(self, record: InteractionRecord) -> None:
        # interactions/receiving-and-responding#responding-to-an-interaction: "Interaction tokens are valid for
        # 15 minutes"; after that follow-ups and edits fail with Unknown Webhook.
        if self._elapsed(record) > rules.TOKEN_SECONDS:
            late = self._elapsed(record)
            self.server.violations.append(f"a follow-up {late:.0f} s after the interaction, past the token's 15 min")
            raise http_error(404, "Unknown Webhook", 10015)

    def _webhook_target(self, record: InteractionRecord, target: str | None) -> SimMessage:
        if target == "@original":
            message = record.original
            if message is None:
                raise http_error(404, "Unknown Message", 10008)
            return message
        message = self.server.messages.get(int(target or 0))
        if message is None:
            raise http_error(404, "Unknown Message", 10008)
        return message

    def _callback(self, record: InteractionRecord, body: JsonDict, files: list[tuple[str, bytes]]) -> JsonDict:
        if record.responded:
            # One initial response per interaction; the rest are follow-ups (error 40060).
            self.server.violations.append("a second initial response to one interaction")
            raise http_error(400, "Interaction has already been acknowledged.", 40060)
        elapsed = self._elapsed(record)
        if elapsed > rules.FIRST_RESPONSE_SECONDS:
            # interactions/receiving-and-responding#responding-to-an-interaction: "you must send an initial
            # response within 3 seconds"; past that the token is invalid (error 10062, Unknown interaction).
            # Measured on the event loop's clock, so a handler that blocks the loop is late too.
            self.server.violations.append(
                f"the first response came {elapsed:.2f} s after the interaction, past Discord's 3 s "
                "(https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction)"
            )
            raise http_error(404, "Unknown interaction", 10062)
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        self.server.refuse(rules.response_problems(record.kind, kind))
        if kind == 7 and record.source is None:
            # UPDATE_MESSAGE is for a component's message (or a modal opened from one): no message, no update.
            self.server.refuse([f"callback type 7 with no message to update ({rules.RESPONSE_DOCS})"])
        if kind in (4, 7):
            self.server.check_message(data, files, creating=kind == 4)
        elif kind == 9:
            self.server.refuse(rules.modal_problems(data))
        elif kind == 8:
            self.server.refuse(rules.choice_problems(list(data.get("choices") or [])))
        record.responded = True
        result = record.result
        result.response_type = kind
        resource: JsonDict = {"type": kind}
        if kind == 4:
            message = self.server.make_message(record.channel_id, data, files)
            message.interaction_token = record.token
            record.original = message
            self.server.store(message)
            result.messages.append(message)
            resource["message"] = message.data
        elif kind == 5:
            result.deferred = True
            flags = int(data.get("flags") or 0)
            record.deferred_ephemeral = bool(flags & EPHEMERAL)
            placeholder = self.server.make_message(record.channel_id, {"flags": flags})
            placeholder.data["_loading"] = True
            placeholder.interaction_token = record.token
            record.original = placeholder
        elif kind == 6:
            result.deferred = True
            record.original = record.source
        elif kind == 7:
            assert record.source is not None  # refused above
            self.server.edit_message(record.source, data, files)
            record.original = record.source
            result.updated = record.source
            resource["message"] = record.source.data
        elif kind == 8:
            result.choices = list(data.get("choices") or [])
        elif kind == 9:
            result.modal = self._modal(data, record)
        else:
            raise NotImplementedError(f"bot/sim does not simulate interaction response type {kind}")
        interaction = {
            "id": str(factories.make_id()),
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
        }
        if record.original is not None:
            interaction["response_message_id"] = str(record.original.id)
        return {"interaction": interaction, "resource": resource}

    def _modal(self, data: JsonDict, record: InteractionRecord) -> SimModal:
        fields: list[SimField] = []
        for top in data.get("components") or []:
            inputs: list[tuple[JsonDict, str | None]] = []
            if top.get("type") == 1:
                inputs = [(c, None) for c in top.get("components") or []]
            elif top.get("type") == 18:
                inputs = [(top.get("component") or {}, top.get("label"))]
            for comp, label in inputs:
                if comp.get("type") != 4:
                    continue
                fields.append(
                    SimField(
                        custom_id=comp["custom_id"],
                        label=label or comp.get("label") or comp["custom_id"],
                        value=comp.get("value"),
                        required=comp.get("required", True),
                        max_length=comp.get("max_length"),
                        min_length=comp.get("min_length"),
                        style=comp.get("style", 1),
                    )
                )
        return SimModal(
            custom_id=data["custom_id"],
            title=data.get("title", ""),
            fields=fields,
            channel_id=record.channel_id,
            message=record.source,
        )

    def _followup(self, record: InteractionRecord, body: JsonDict, files: list[tuple[str, bytes]]) -> JsonDict:
        if not record.responded:
            raise http_error(404, "Unknown Webhook", 10015)
        self.server.check_message(body, files, creating=True)
        flags = int(body.get("flags") or 0)
        placeholder = record.original
        if placeholder is not None and placeholder.data.get("_loading"):
            # The first follow-up after a deferral replaces the "thinking" message.
            if record.deferred_ephemeral:
                flags |= EPHEMERAL
            placeholder.data.pop("_loading", None)
            self.server.edit_message(placeholder, {**body, "flags": flags}, files)
            self.server.store(placeholder)
            record.result.messages.append(placeholder)
            return placeholder.data
        message = self.server.make_message(record.channel_id, {**body, "flags": flags}, files)
        message.interaction_token = record.token
        self.server.store(message)
        record.result.messages.append(message)
        return message.data
