"""Discord's documented limits, as the simulated server applies them to what the bot sends.

Each check names the rule it applies and the page of Discord's API documentation (discord-api-docs) that
states it. Real Discord answers a body that breaks one with ``400 Bad Request``, JSON error code 50035
("Invalid Form Body"); bot/sim does the same and also records the broken rule, so the test that caused it
fails with the rule named (see :meth:`bot.sim.server.SimServer.refuse`). Where this module and Discord's
documentation disagree, the documentation wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

JsonDict = Mapping[str, Any]

DOCS = "https://discord.com/developers/docs"
MESSAGE_DOCS = f"{DOCS}/resources/message#create-message"
EMBED_DOCS = f"{DOCS}/resources/message#embed-object-embed-limits"
COMPONENT_DOCS = f"{DOCS}/components/reference"
CHOICE_DOCS = (
    f"{DOCS}/interactions/application-commands#application-command-object-application-command-option-choice-structure"
)
RESPONSE_DOCS = f"{DOCS}/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type"
THREAD_DOCS = f"{DOCS}/resources/channel#start-thread-from-message-json-params"
UPLOAD_DOCS = f"{DOCS}/reference#uploading-files"
CHANNEL_DOCS = f"{DOCS}/resources/guild#create-guild-channel-json-params"
ROLE_DOCS = f"{DOCS}/resources/guild#create-guild-role-json-params"

#: resources/message#create-message: "content: Message contents (up to 2000 characters)";
#: "embeds: Up to 10 rich embeds (up to 6000 characters)".
MAX_CONTENT = 2000
MAX_EMBEDS = 10
#: resources/message#create-message-jsonform-params: "nonce: ... (up to 25 characters)".
MAX_NONCE = 25
#: resources/message#embed-object-embed-limits: title 256, description 4096, 25 fields, field name 256 and
#: value 1024, footer text 2048, author name 256, and "the combined sum of characters in all title,
#: description, field.name, field.value, footer.text, and author.name fields across all embeds attached to a
#: message must not exceed 6000 characters".
EMBED_LIMITS = {"title": 256, "description": 4096, "footer.text": 2048, "author.name": 256}
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_EMBED_TOTAL = 6000
#: components/reference#action-row: "Up to 5 Action Rows can be in a message", each with up to 5 buttons
#: or a single select menu; custom_id "max 100 characters"; button label "max 80 characters"; string
#: select: up to 25 options, label/value/description max 100, placeholder max 150.
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_OPTION_TEXT = 100
MAX_SELECT_PLACEHOLDER = 150
#: interactions/receiving-and-responding#interaction-response-object-modal: "title: max 45 characters",
#: "Between 1 and 5 components"; components/reference#text-input: label max 45, placeholder max 100,
#: min_length/max_length/value up to 4000.
MAX_MODAL_TITLE = 45
MAX_MODAL_INPUTS = 5
MAX_INPUT_LABEL = 45
MAX_INPUT_PLACEHOLDER = 100
MAX_INPUT_LENGTH = 4000
#: application-commands#...option-choice-structure: "name: 1-100 character choice name", string "value" up
#: to 100 characters; interactions/receiving-and-responding#...autocomplete: "choices: max of 25".
MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100
#: resources/channel#start-thread-from-message-json-params: "name: 1-100 character channel name".
MAX_THREAD_NAME = 100
#: resources/guild#create-guild-channel-json-params: "name: channel name (1-100 characters)".
MAX_CHANNEL_NAME = 100
#: resources/guild#create-guild-role-json-params: "name: name of the role, max 100 characters".
MAX_ROLE_NAME = 100
#: reference#uploading-files: "the default file upload limit is 10 MiB" (for bots, per request).
MAX_UPLOAD = 10 * 1024 * 1024

#: Interaction types (2 command, 3 component, 4 autocomplete, 5 modal submit) and the callback types that
#: may answer each: interactions/receiving-and-responding#interaction-response-object-interaction-callback-type
#: (DEFERRED_UPDATE_MESSAGE and UPDATE_MESSAGE are "only valid for component-based interactions", which
#: includes a modal submitted from a component's message; MODAL is "not available for MODAL_SUBMIT";
#: APPLICATION_COMMAND_AUTOCOMPLETE_RESULT answers autocomplete, which nothing else may answer).
ALLOWED_RESPONSES = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
#: interactions/receiving-and-responding#responding-to-an-interaction: "you must send an initial response
#: within 3 seconds of receiving the event"; "Interaction tokens are valid for 15 minutes".
FIRST_RESPONSE_SECONDS = 3.0
TOKEN_SECONDS = 15 * 60
#: resources/message#create-message-json-params: enforce_nonce "will be checked for uniqueness in the past
#: few minutes"; bot/sim remembers a nonce for three.
NONCE_SECONDS = 3 * 60


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def message_problems(body: JsonDict, *, creating: bool, has_files: bool = False) -> list[str]:
    """What in a message body (create, edit, interaction reply or follow-up) Discord would refuse."""
    problems: list[str] = []
    content = body.get("content")
    if _length(content) > MAX_CONTENT:
        problems.append(f"content is {_length(content)} characters, over {MAX_CONTENT} ({MESSAGE_DOCS})")
    embeds = body.get("embeds") or []
    problems += embed_problems(embeds)
    problems += component_problems(body.get("components") or [])
    # resources/message#create-message: "at least one of content, embeds, sticker_ids, components, files[n],
    # or poll" is required (error 50006, "Cannot send an empty message").
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE:
        problems.append(f"nonce {nonce!r} is over {MAX_NONCE} characters ({MESSAGE_DOCS}-jsonform-params)")
    if creating and not (content or embeds or body.get("components") or has_files or body.get("sticker_ids")):
        problems.append(f"an empty message: no content, embeds, components or files ({MESSAGE_DOCS})")
    return problems


def embed_problems(embeds: list[JsonDict]) -> list[str]:
    problems: list[str] = []
    if len(embeds) > MAX_EMBEDS:
        problems.append(f"{len(embeds)} embeds, over {MAX_EMBEDS} ({MESSAGE_DOCS})")
    total = 0
    for number, embed in enumerate(embeds, start=1):
        for key, limit in EMBED_LIMITS.items():
            outer, _, inner = key.partition(".")
            value = (embed.get(outer) or {}).get(inner) if inner else embed.get(outer)
            size = _length(value)
            total += size
            if size > limit:
                problems.append(f"embed {number} {key} is {size} characters, over {limit} ({EMBED_DOCS})")
        fields = embed.get("fields") or []
        if len(fields) > MAX_FIELDS:
            problems.append(f"embed {number} has {len(fields)} fields, over {MAX_FIELDS} ({EMBED_DOCS})")
        for field in fields:
            name, value = _length(field.get("name")), _length(field.get("value"))
            total += name + value
            if name > MAX_FIELD_NAME:
                problems.append(f"embed {number} field name is {name} characters, over {MAX_FIELD_NAME} ({EMBED_DOCS})")
            if value > MAX_FIELD_VALUE:
                problems.append(
                    f"embed {number} field value is {value} characters, over {MAX_FIELD_VALUE} ({EMBED_DOCS})"
                )
    if total > MAX_EMBED_TOTAL:
        problems.append(f"embeds total {total} characters, over {MAX_EMBED_TOTAL} ({EMBED_DOCS})")
    return problems


def component_problems(rows: list[JsonDict]) -> list[str]:
    problems: list[str] = []
    if len(rows) > MAX_ROWS:
        problems.append(f"{len(rows)} action rows, over {MAX_ROWS} ({COMPONENT_DOCS}#action-row)")
    seen: set[str] = set()
    for row in rows:
        children = row.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if len(buttons) > MAX_ROW_BUTTONS or (selects and len(children) > 1):
            problems.append(
                f"an action row holds {len(children)} components: up to {MAX_ROW_BUTTONS} buttons or one select "
                f"({COMPONENT_DOCS}#action-row)"
            )
        for comp in children:
            custom_id = comp.get("custom_id")
            if custom_id is not None:
                if len(custom_id) > MAX_CUSTOM_ID:
                    problems.append(f"custom_id {custom_id[:40]!r}... is {len(custom_id)} characters, over 100")
                if custom_id in seen:
                    problems.append(f"custom_id {custom_id!r} is used twice in one message ({COMPONENT_DOCS})")
                seen.add(custom_id)
            if comp.get("type") == 2 and _length(comp.get("label")) > MAX_BUTTON_LABEL:
                problems.append(
                    f"button label {comp['label'][:40]!r}... is over {MAX_BUTTON_LABEL} ({COMPONENT_DOCS}#button)"
                )
            if comp.get("type") in (3, 5, 6, 7, 8):
                problems += _select_problems(comp)
    return problems


def _select_problems(select: JsonDict) -> list[str]:
    where = f"({COMPONENT_DOCS}#string-select)"
    problems: list[str] = []
    options = select.get("options") or []
    if len(options) > MAX_SELECT_OPTIONS:
        problems.append(f"a select has {len(options)} options, over {MAX_SELECT_OPTIONS} {where}")
    if _length(select.get("placeholder")) > MAX_SELECT_PLACEHOLDER:
        problems.append(f"a select placeholder is over {MAX_SELECT_PLACEHOLDER} characters {where}")
    for option in options:
        for key in ("label", "value", "description"):
            if _length(option.get(key)) > MAX_OPTION_TEXT:
                problems.append(f"a select option {key} is over {MAX_OPTION_TEXT} characters {where}")
    return problems


def modal_problems(data: JsonDict) -> list[str]:
    where = f"({DOCS}/interactions/receiving-and-responding#interaction-response-object-modal)"
    problems: list[str] = []
    if _length(data.get("title")) > MAX_MODAL_TITLE:
        problems.append(f"modal title {data['title']!r} is over {MAX_MODAL_TITLE} characters {where}")
    if len(data.get("custom_id") or "") > MAX_CUSTOM_ID:
        problems.append(f"modal custom_id is over {MAX_CUSTOM_ID} characters {where}")
    inputs = list(_text_inputs(data.get("components") or []))
    if not 1 <= len(inputs) <= MAX_MODAL_INPUTS:
        problems.append(f"a modal with {len(inputs)} text inputs: between 1 and {MAX_MODAL_INPUTS} {where}")
    text_input = f"({COMPONENT_DOCS}#text-input)"
    for comp, label in inputs:
        if _length(label) > MAX_INPUT_LABEL:
            problems.append(f"text input label {label!r} is over {MAX_INPUT_LABEL} characters {text_input}")
        if _length(comp.get("placeholder")) > MAX_INPUT_PLACEHOLDER:
            problems.append(f"text input placeholder is over {MAX_INPUT_PLACEHOLDER} characters {text_input}")
        for key in ("max_length", "min_length"):
            if int(comp.get(key) or 0) > MAX_INPUT_LENGTH:
                problems.append(f"text input {key} {comp[key]} is over {MAX_INPUT_LENGTH} {text_input}")
        if _length(comp.get("value")) > MAX_INPUT_LENGTH:
            problems.append(f"text input value is over {MAX_INPUT_LENGTH} characters {text_input}")
        if comp.get("max_length") and _length(comp.get("value")) > int(comp["max_length"]):
            problems.append(f"text input value is longer than its own max_length {text_input}")
    return problems


def _text_inputs(components: Iterable[JsonDict]) -> Iterable[tuple[JsonDict, str | None]]:
    for top in components:
        if top.get("type") == 1:
            for comp in top.get("components") or []:
                if comp.get("type") == 4:
                    yield comp, comp.get("label")
        elif top.get("type") == 18 and (top.get("component") or {}).get("type") == 4:
            yield top["component"], top.get("label")


def choice_problems(choices: list[JsonDict]) -> list[str]:
    problems: list[str] = []
    if len(choices) > MAX_CHOICES:
        problems.append(f"{len(choices)} autocomplete choices, over {MAX_CHOICES} ({CHOICE_DOCS})")
    for choice in choices:
        name = choice.get("name")
        if not 1 <= _length(name) <= MAX_CHOICE_TEXT:
            problems.append(
                f"choice name {str(name)[:40]!r}... is {_length(name)} characters: 1 to 100 ({CHOICE_DOCS})"
            )
        if _length(choice.get("value")) > MAX_CHOICE_TEXT:
            problems.append(f"choice value {choice['value'][:40]!r}... is over {MAX_CHOICE_TEXT} ({CHOICE_DOCS})")
    return problems


def thread_name_problems(name: Any) -> list[str]:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_THREAD_NAME:
        return [f"thread name of {_length(name)} characters: 1 to {MAX_THREAD_NAME} ({THREAD_DOCS})"]
    return []


def channel_name_problems(name: Any) -> list[str]:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_CHANNEL_NAME:
        return [f"channel name of {_length(name)} characters: 1 to {MAX_CHANNEL_NAME} ({CHANNEL_DOCS})"]
    return []


def role_name_problems(name: Any) -> list[str]:
    if not isinstance(name, str) or len(name) > MAX_ROLE_NAME:
        return [f"role name of {_length(name)} characters: at most {MAX_ROLE_NAME} ({ROLE_DOCS})"]
    return []


def upload_problems(files: list[tuple[str, bytes]]) -> list[str]:
    size = sum(len(data) for _, data in files)
    if size > MAX_UPLOAD:
        return [f"attachments of {size} bytes, over {MAX_UPLOAD} ({UPLOAD_DOCS})"]
    return []


def response_problems(interaction_type: int, callback_type: int) -> list[str]:
    allowed = ALLOWED_RESPONSES.get(interaction_type, set())
    if callback_type not in allowed:
        return [
            f"callback type {callback_type} cannot answer interaction type {interaction_type} "
            f"(allowed: {sorted(allowed)}) ({RESPONSE_DOCS})"
        ]
    return []
