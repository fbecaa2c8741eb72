"""What checklist messages say: questions, recorded answers, the completion summary, progress, results."""

from __future__ import annotations

import discord

from bot.i18n import t, tn
from bot.services.checklists import Answer, ChecklistRun
from bot.services.leads import Lead
from bot.services.questionnaires import Localized, Question
from bot.ui.embeds import DESCRIPTION_LIMIT, Colour, make_embed, pack_entries, truncate

SEVERITY_MARK = {"high": "🔴", "medium": "🟠", "low": "🟡"}


def mention(user_id: int | None) -> str:
    return f"<@{user_id}>" if user_id else "—"


def stamp(when: object) -> str:
    timestamp = getattr(when, "timestamp", None)
    return f"<t:{int(timestamp())}:f>" if timestamp else "—"


def answer_text(question: Question, answer: Answer | None, loc: Localized, locale: str) -> str:
    """An answer as a reader sees it: Yes, 4/5 · Severe, the option labels, or the text."""
    if answer is None:
        return "—"
    if answer.skipped:
        return t(locale, "checklist.skipped")
    value = answer.value
    if question.type == "yesno":
        return t(locale, f"checklist.{value}")
    if question.type == "scale":
        label = loc.scale_label(question, int(value))
        return f"{value}/5 · {label}" if label else f"{value}/5"
    if question.type == "choice":
        return loc.option(question, str(value))
    if question.type == "multi":
        return ", ".join(loc.option(question, str(v)) for v in value)
    return str(value)


def question_embed(run: ChecklistRun, position: int, locale: str) -> discord.Embed:
    """The question at ``position`` as it is asked in the thread."""
    question = run.questionnaire.questions[position]
    loc = run.questionnaire.localized(locale)
    parts = [f"**{loc.text(question)}**"]
    help_text = loc.help(question)
    if help_text:
        parts.append(f"*{help_text}*")
    if question.type == "scale":
        legend = [f"{n} · {loc.scale_label(question, n)}" for n in range(1, 6) if loc.scale_label(question, n)]
        if legend:
            parts.append("\n".join(legend))
    fields = []
    previous = run.answers.get(question.id)
    if previous is not None and run.is_open and run.position == position:
        fields.append((t(locale, "checklist.question.current"), answer_text(question, previous, loc, locale)))
    required = "checklist.question.required" if question.required else "checklist.question.optional"
    return make_embed(
        t(
            locale,
            "checklist.question.title",
            number=position + 1,
            total=run.total,
            section=loc.section(question.section),
        ),
        "\n\n".join(parts),
        fields=fields,
        footer=t(locale, required),
    )


def recorded_embed(
    run: ChecklistRun, position: int, locale: str, *, actor_id: int, answer: Answer | None, went_back: bool
) -> discord.Embed:
    """The pressed question's message once acted on: the answer and who gave it, or the step back."""
    embed = question_embed(run, position, locale)
    embed.clear_fields()
    question = run.questionnaire.questions[position]
    loc = run.questionnaire.localized(locale)
    if went_back:
        embed.colour = Colour.NEUTRAL
        value = t(locale, "checklist.went_back", user=mention(actor_id))
    elif answer is None or answer.skipped:
        embed.colour = Colour.NEUTRAL
        value = t(locale, "checklist.skipped_by", user=mention(actor_id))
    else:
        embed.colour = Colour.SUCCESS
        value = t(
            locale, "checklist.answered_by", answer=answer_text(question, answer, loc, locale), user=mention(actor_id)
        )
    embed.add_field(name=t(locale, "checklist.question.answer"), value=truncate(value, 1024), inline=False)
    return embed


def intro_embed(run: ChecklistRun, lead: Lead, locale: str) -> discord.Embed:
    loc = run.questionnaire.localized(locale)
    body = tn(
        locale,
        "checklist.intro.body",
        run.total,
        ref=lead.ref,
        partner=lead.partner,
        starter=mention(run.started_by),
    )
    description = f"{body}\n\n{loc.description}" if loc.description else body
    return make_embed(loc.title, description, footer=f"{run.questionnaire.id} v{run.questionnaire.version}")


def flag_lines(run: ChecklistRun, locale: str) -> list[str]:
    loc = run.questionnaire.localized(locale)
    by_id = {q.id: (i, q) for i, q in enumerate(run.questionnaire.questions)}
    lines = []
    for flag in run.flags():
        number, question = by_id[flag.question_id]
        severity = t(locale, f"checklist.severity.{flag.severity}")
        lines.append(f"{SEVERITY_MARK[flag.severity]} **{severity}** · {loc.flag_message(question)} ({number + 1})")
    return lines


def summary_embeds(run: ChecklistRun, lead: Lead, locale: str) -> list[discord.Embed]:
    """The completed run: a head (counts, who took part), the flags by severity, the answers by section."""
    loc = run.questionnaire.localized(locale)
    flags = run.flags()
    severities = {f.severity for f in flags}
    colour = Colour.DANGER if "high" in severities else Colour.WARNING if flags else Colour.SUCCESS
    head = make_embed(
        t(locale, "checklist.summary.title", title=loc.title),
        t(
            locale,
            "checklist.summary.body",
            ref=lead.ref,
            partner=lead.partner,
            answered=tn(locale, "checklist.count.answered", run.answered_count),
            skipped=tn(locale, "checklist.count.skipped", run.skipped_count),
            when=stamp(run.completed_at),
        ),
        colour=colour,
        fields=[(t(locale, "checklist.summary.people"), ", ".join(mention(p) for p in run.participants))],
        footer=f"#{run.id} · {run.questionnaire.id} v{run.questionnaire.version}",
    )
    embeds = [head]
    lines = flag_lines(run, locale) or [t(locale, "checklist.summary.no_flags")]
    for block in pack_entries(lines, limit=DESCRIPTION_LIMIT):
        embeds.append(make_embed(t(locale, "checklist.summary.flags"), block, colour=colour))
    sections: dict[str, list[str]] = {}
    for number, question in enumerate(run.questionnaire.questions, start=1):
        answer = run.answers.get(question.id)
        who = f" · {mention(answer.answered_by)}" if answer is not None else ""
        entry = f"**{number}. {loc.text(question)}**\n{answer_text(question, answer, loc, locale)}{who}"
        sections.setdefault(question.section, []).append(entry)
    for section, entries in sections.items():
        title = t(locale, "checklist.summary.answers", section=loc.section(section))
        for index, block in enumerate(pack_entries(entries, limit=DESCRIPTION_LIMIT, separator="\n\n")):
            suffix = f" {t(locale, 'checklist.summary.continued')}" if index else ""
            embeds.append(make_embed(title + suffix, block, colour=Colour.NEUTRAL))
    return embeds


def status_embed(run: ChecklistRun, lead: Lead, locale: str) -> discord.Embed:
    loc = run.questionnaire.localized(locale)
    fields = []
    current = run.current
    if current is not None:
        fields.append((t(locale, "checklist.status.now"), loc.text(current)))
    fields.append((t(locale, "checklist.summary.people"), ", ".join(mention(p) for p in run.participants)))
    if run.status == "completed":
        fields.append((t(locale, "checklist.summary.flags"), "\n".join(flag_lines(run, locale)) or "—"))
    return make_embed(
        t(locale, "checklist.status.title", title=loc.title, ref=lead.ref, partner=lead.partner),
        t(
            locale,
            "checklist.status.progress",
            state=t(locale, f"checklist.state.{run.status}"),
            number=min(run.position + 1, run.total),
            total=run.total,
            answered=tn(locale, "checklist.count.answered", run.answered_count),
            skipped=tn(locale, "checklist.count.skipped", run.skipped_count),
        ),
        fields=fields,
        footer=f"#{run.id}",
    )


def runs_embed(runs: list[ChecklistRun], lead: Lead, locale: str) -> discord.Embed:
    """Every run about a lead, newest first, with a link to its thread."""
    lines = []
    for run in runs:
        line = t(
            locale,
            "checklist.results.line",
            run=f"#{run.id}",
            title=run.questionnaire.localized(locale).title,
            version=run.questionnaire.version,
            state=t(locale, f"checklist.state.{run.status}"),
            when=stamp(run.started_at),
        )
        lines.append(f"{line} · <#{run.thread_id}>" if run.thread_id else line)
    blocks = pack_entries(lines, limit=DESCRIPTION_LIMIT)
    return make_embed(f"{t(locale, 'checklist.results.earlier')} · {lead.ref} · {lead.partner}", blocks[0])
