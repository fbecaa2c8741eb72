"""Checklist components: persistent buttons and selects (DynamicItems) on each question, and the text
answer modal. Every press reloads the run from the database, so old messages work after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import t
from bot.services.access import Access
from bot.services.checklists import TEXT_ANSWER_LIMIT, ChecklistRun
from bot.ui.embeds import truncate
from bot.ui.views import BaseModal, GuardedDynamicItem, custom_id, instance_id

if TYPE_CHECKING:
    from bot.cogs.checklists._flow import ChecklistFlow

#: ``pb:cl:<run>:<question id>:<action>[:<value>]``; bot/services/questionnaires.py keeps question ids
#: short enough for this to fit Discord's 100 characters.
_ID = r"pb:cl:(?P<run>\d+):(?P<question>[A-Za-z0-9_.-]+)"
BUTTON_ACTIONS = ("yes", "no", "scale", "text", "skip", "back")


def flow_of(interaction: discord.Interaction) -> ChecklistFlow:
    cog: Any = interaction.client.get_cog("Checklists")  # type: ignore[attr-defined]
    return cog.flow  # type: ignore[no-any-return]


class ChecklistButton(
    GuardedDynamicItem[discord.ui.Button[Any]],
    template=_ID + r":(?P<action>yes|no|scale|text|skip|back)(?::(?P<value>[1-5]))?",
):
    access = Access.WORKING_GROUP

    def __init__(
        self,
        run_id: int,
        question_id: str,
        action: str,
        value: int | None = None,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        parts: list[object] = ["cl", run_id, question_id, action]
        if value is not None:
            parts.append(value)
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id(*parts), row=row))
        self.run_id = run_id
        self.question_id = question_id
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChecklistButton:
        value = match["value"]
        return cls(int(match["run"]), match["question"], match["action"], int(value) if value else None)

    async def run(self, interaction: discord.Interaction) -> None:
        flow = flow_of(interaction)
        if self.action == "text":
            await flow.open_text_answer(interaction, self.run_id, self.question_id)
        elif self.action in ("skip", "back"):
            await flow.press(interaction, self.run_id, self.question_id, self.action)
        else:
            value: object = self.value if self.action == "scale" else self.action
            await flow.press(interaction, self.run_id, self.question_id, "answer", value)


class ChecklistSelect(GuardedDynamicItem[discord.ui.Select[Any]], template=_ID + r":pick"):
    access = Access.WORKING_GROUP

    def __init__(
        self,
        run_id: int,
        question_id: str,
        *,
        options: list[discord.SelectOption] | None = None,
        max_values: int = 1,
        placeholder: str | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=custom_id("cl", run_id, question_id, "pick"),
                options=options or [discord.SelectOption(label="-")],
                min_values=1,
                max_values=max_values,
                placeholder=placeholder,
                row=0,
            )
        )
        self.run_id = run_id
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChecklistSelect:
        return cls(int(match["run"]), match["question"])

    async def run(self, interaction: discord.Interaction) -> None:
        await flow_of(interaction).press(interaction, self.run_id, self.question_id, "answer", list(self.item.values))


class TextAnswerModal(BaseModal):
    """The *Answer* button's modal. It lives in memory; the button that opens it is the persistent part."""

    access = Access.WORKING_GROUP  # checked again when it comes back: the role may have gone meanwhile

    def __init__(self, flow: ChecklistFlow, run: ChecklistRun, position: int, locale: object) -> None:
        question = run.questionnaire.questions[position]
        loc = run.questionnaire.localized(locale)
        super().__init__(
            title=truncate(t(locale, "checklist.modal.title", number=position + 1, total=run.total), 45),
            custom_id=instance_id("cl", "modal", run.id),
            timeout=1800,
        )
        previous = run.answers.get(question.id)
        self.answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=truncate(loc.text(question), 45),
            style=discord.TextStyle.paragraph,
            custom_id="answer",
            max_length=TEXT_ANSWER_LIMIT,
            placeholder=truncate(
                loc.placeholder(question) or t(locale, "checklist.modal.placeholder", limit=TEXT_ANSWER_LIMIT),
                100,
            ),
            default=previous.value if previous is not None and isinstance(previous.value, str) else None,
            required=True,
        )
        self.add_item(self.answer)
        self.flow = flow
        self.run_id = run.id
        self.question_id = question.id

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await self.flow.press(interaction, self.run_id, self.question_id, "answer", self.answer.value)


def question_view(run: ChecklistRun, locale: str) -> discord.ui.View:
    """The components of the question being asked: answers on the first row, Skip and Back below."""
    view = discord.ui.View(timeout=None)
    question = run.current
    if question is None:
        return view
    loc = run.questionnaire.localized(locale)
    if question.type == "yesno":
        for word in ("yes", "no"):
            view.add_item(
                ChecklistButton(
                    run.id, question.id, word, label=t(locale, f"checklist.{word}"), style=discord.ButtonStyle.primary
                )
            )
    elif question.type == "scale":
        for n in range(1, 6):
            view.add_item(ChecklistButton(run.id, question.id, "scale", n, label=str(n), row=0))
    elif question.type == "text":
        view.add_item(
            ChecklistButton(
                run.id,
                question.id,
                "text",
                label=t(locale, "checklist.answer_button"),
                style=discord.ButtonStyle.primary,
                row=0,
            )
        )
    else:
        options = [
            discord.SelectOption(
                label=loc.option(question, o.value),
                value=o.value,
                description=loc.option_description(question, o.value),
            )
            for o in question.options
        ]
        many = question.type == "multi"
        view.add_item(
            ChecklistSelect(
                run.id,
                question.id,
                options=options,
                max_values=len(options) if many else 1,
                placeholder=t(locale, "checklist.choose_many" if many else "checklist.choose_one"),
            )
        )
    if not question.required:
        view.add_item(ChecklistButton(run.id, question.id, "skip", label=t(locale, "checklist.skip"), row=1))
    if run.position > 0:
        view.add_item(ChecklistButton(run.id, question.id, "back", label=t(locale, "checklist.back"), row=1))
    return view
