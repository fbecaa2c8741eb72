"""How leads look in Discord: the card, `/lead show` with history and notes, list pages, search results,
the duplicate prompt and the review card. Every word comes from the ``leads`` catalog."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

import discord

from bot.i18n import localize_note, t, term, tn
from bot.services import leads
from bot.services.checklists import ChecklistRun
from bot.ui.embeds import FIELD_VALUE_LIMIT, Colour, Field, fit_message, make_embed, pack_entries, plain

HISTORY_SHOWN = 20
NOTES_SHOWN = 10


@lru_cache(maxsize=1024)
def label(locale: str, key: str) -> str:
    """A message without placeholders (field names, states), looked up once per language."""
    return t(locale, key)


def stamp(when: datetime, style: str = "f") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def who(user_id: int | None) -> str:
    return f"<@{user_id}>" if user_id else "—"


def _colour(lead: leads.Lead) -> discord.Colour:
    if any(f.severity == "high" for f in lead.flags):
        return Colour.DANGER
    if lead.status in ("vetoed", "declined", "withdrawn"):
        return Colour.NEUTRAL
    if lead.status in ("approved", "negotiating", "active", "completed"):
        return Colour.SUCCESS
    return Colour.INFO


def flag_lines(locale: str, lead: leads.Lead) -> str:
    """The lead's open flags, most severe first; a checklist finding says who gave the answer."""
    lines = []
    for flag in sorted(lead.flags, key=lambda f: leads.SEVERITIES[::-1].index(f.severity)):
        severity, message = term(locale, "severity", flag.severity), plain(flag.message, 200)
        if flag.raised_by is None:
            lines.append(t(locale, "lead.flag_line", severity=severity, message=message))
        else:
            lines.append(t(locale, "lead.flag_line_by", severity=severity, message=message, who=who(flag.raised_by)))
    return "\n".join(lines)


def lead_card(lead: leads.Lead, locale: str, *, contact: bool = False) -> discord.Embed:
    """The lead's card: in the leads channel and in replies. Status, scope and who logged it head the
    description; optional details follow as fields. Within Discord's 6,000 characters at every field's
    maximum: the longest texts are shortened, and the card says so."""
    card = _card(lead, locale, contact=contact)
    fit_message([card], notice=label(locale, "lead.shortened"))
    return card


def _card(lead: leads.Lead, locale: str, *, contact: bool) -> discord.Embed:
    words = (
        term(locale, "level", lead.level),
        term(locale, "direction", lead.direction),
        lead.sector,
        term(locale, "tier", lead.tier) if lead.tier else None,
    )
    scope = " · ".join(v for v in words if v)
    head = t(locale, "lead.card.head", status=term(locale, "status", lead.status), scope=scope)
    logged = t(
        locale,
        "lead.logged_line",
        when=stamp(lead.created_at, "D"),
        owner=who(lead.owner_id),
        visibility=label(locale, f"lead.visibility.{lead.visibility}"),
    )
    description = f"{head}\n{logged}"
    if lead.summary:
        description += "\n\n" + plain(lead.summary, 3800)
    optional = (
        ("lead.field.entity", plain(lead.entity, 200) if lead.entity else None, True),
        ("lead.field.aliases", plain(", ".join(lead.aliases), 1000) if lead.aliases else None, False),
        ("lead.field.offer", plain(lead.offer) if lead.offer else None, False),
        ("lead.field.ask", plain(lead.ask) if lead.ask else None, False),
        ("lead.field.link", lead.link, False),
        ("lead.field.contact", plain(lead.contact, 300) if contact and lead.contact else None, False),
        ("lead.field.flags", flag_lines(locale, lead) if lead.flags else None, False),
    )
    return make_embed(
        t(locale, "lead.card.title", ref=lead.ref, partner=plain(lead.partner, 200)),
        description,
        colour=_colour(lead),
        fields=[Field(label(locale, key), value, inline) for key, value, inline in optional if value],
    )


def history_line(locale: str, event: leads.LeadEvent) -> str:
    params = {"when": stamp(event.at, "d"), "actor": who(event.actor_id)}
    note = plain(localize_note(locale, event.note), 300) if event.note else ""
    if event.kind == "status":
        key = "lead.history.status_note" if note else "lead.history.status"
        if event.actor_id is None and (event.from_status, event.to_status) == ("in_review", "approved"):
            key = "lead.history.status_review"  # the review's terms approved it, no one person
        return t(
            locale,
            key,
            from_status=term(locale, "status", event.from_status or ""),
            to_status=term(locale, "status", event.to_status or ""),
            note=note,
            **params,
        )
    if event.kind == "approve" and note:
        return t(locale, "lead.history.approve_note", note=note, **params)
    if event.kind in ("created", "approve", "recuse"):
        return t(locale, f"lead.history.{event.kind}", **params)
    if event.kind == "edit":
        return t(locale, "lead.history.edit", field=term(locale, "field", event.note or ""), **params)
    if event.kind == "note":
        # The text itself is under Notes (for those who may read notes).
        return t(locale, "lead.history.note", **params)
    if event.kind in ("assign", "flag", "unflag"):
        return t(locale, f"lead.history.{event.kind}", note=note, **params)
    return t(locale, "lead.history.other", kind=event.kind, **params)


def detail_embeds(detail: leads.LeadDetail, locale: str, *, contact: bool) -> list[discord.Embed]:
    """`/lead show`: the card with its history (latest last), then its notes, together within Discord's
    6,000 characters per message (the longest texts shortened, saying so)."""
    card = _card(detail.lead, locale, contact=contact)
    events = list(detail.events)
    lines = [history_line(locale, e) for e in events[-HISTORY_SHOWN:]]
    # The newest entries that fit one field; older ones are counted.
    shown = pack_entries(lines[::-1], limit=FIELD_VALUE_LIMIT - 60)[0].split("\n")[::-1] if lines else []
    if len(events) > len(shown):
        shown.insert(0, tn(locale, "lead.history.earlier", len(events) - len(shown)))
    if shown:
        card.add_field(name=label(locale, "lead.history.title"), value="\n".join(shown), inline=False)
    embeds = [card]
    notes = [
        t(
            locale,
            "lead.note_line",
            when=stamp(n.created_at, "d"),
            actor=who(n.author_id),
            note=plain(localize_note(locale, n.text), 600),
        )
        for n in detail.notes[-NOTES_SHOWN:]
    ]
    if notes:
        embeds.append(
            make_embed(label(locale, "lead.notes.title"), pack_entries(notes, limit=3500)[-1], colour=Colour.NEUTRAL)
        )
    fit_message(embeds, notice=label(locale, "lead.shortened"))
    return embeds


def list_embed(page: leads.LeadPage, locale: str) -> discord.Embed:
    if not page.leads:
        title = t(locale, "lead.list.title", total=0)
        return make_embed(title, label(locale, "lead.list.empty"), colour=Colour.NEUTRAL)
    lines = [
        t(
            locale,
            "lead.list.line",
            ref=lead.ref,
            partner=plain(lead.partner, 100),
            status=term(locale, "status", lead.status),
            level=term(locale, "level", lead.level),
            direction=term(locale, "direction", lead.direction),
        )
        + (" ⚠" if lead.flags else "")
        for lead in page.leads
    ]
    return make_embed(
        t(locale, "lead.list.title", total=page.total),
        "\n".join(lines),
        footer=t(locale, "lead.list.footer", page=page.page + 1, pages=page.pages),
    )


def search_embed(query: str, hits: Sequence[leads.SearchHit], locale: str) -> discord.Embed:
    title = t(locale, "lead.search.title", query=plain(query, 100))
    if not hits:
        return make_embed(title, label(locale, "lead.search.empty"), colour=Colour.NEUTRAL)
    entries = [
        t(
            locale,
            "lead.search.line",
            ref=hit.lead.ref,
            partner=plain(hit.lead.partner, 100),
            status=term(locale, "status", hit.lead.status),
            field=label(locale, f"lead.search.field.{hit.field}"),
            excerpt=plain(hit.excerpt, 200),
        )
        for hit in hits
    ]
    return make_embed(title, pack_entries(entries)[0])


def duplicate_embed(
    partner: str, duplicates: Sequence[leads.Duplicate], locale: str, *, note_to: leads.Duplicate | None
) -> discord.Embed:
    """The duplicate prompt. ``duplicates`` are only those the logger may see; with none (every likely
    duplicate is the working group's) it warns without naming anything. ``note_to``: the lead *Add as a
    note* writes to, or None when that button is not offered."""
    if not duplicates:
        body = t(locale, "lead.duplicate.hidden", partner=plain(partner, 100))
        return make_embed(label(locale, "lead.duplicate.title"), body, colour=Colour.WARNING)
    lines = [
        t(
            locale,
            "lead.duplicate.line",
            ref=d.ref,
            partner=plain(d.partner, 100),
            status=term(locale, "status", d.status),
            score=int(d.score),
            matched=plain(d.matched, 100),
        )
        for d in duplicates
    ]
    body = t(locale, "lead.duplicate.body", partner=plain(partner, 100)) + "\n" + "\n".join(lines)
    if note_to is not None:
        body += "\n\n" + t(locale, "lead.duplicate.question", ref=note_to.ref)
    else:
        body += "\n\n" + label(locale, "lead.duplicate.question_no_note")
    return make_embed(label(locale, "lead.duplicate.title"), body, colour=Colour.WARNING)


def checklist_line(run: ChecklistRun | None, locale: str) -> str:
    """Whether the lead's latest checklist was finished."""
    if run is None:
        return label(locale, "review.checklist.none")
    if run.status == "completed":
        return t(locale, "review.checklist.done", run=run.id)
    answered = run.answered_count + run.skipped_count
    return tn(locale, "review.checklist.unfinished", run.total, run=run.id, answered=answered, total=run.total)


def review_embed(
    state: leads.ReviewState, locale: str, *, reviewers: int | None = None, checklist: ChecklistRun | None = None
) -> discord.Embed:
    """The review card: the tally, the lead's open flags (most severe first) and whether its checklist was
    finished. ``reviewers``: how many members hold the reviewers role, when known; a review that can no
    longer reach its quorum says so instead of showing a date it cannot close on."""
    lead = state.lead
    fields = [
        Field(label(locale, "review.field.status"), _review_status(state, locale), True),
        Field(
            label(locale, "review.field.approvals"),
            tn(locale, "review.tally", state.quorum, approvals=state.approvals, quorum=state.quorum),
            True,
        ),
    ]
    if state.cannot_reach_quorum(reviewers):
        assert reviewers is not None
        eligible = state.eligible(reviewers)
        blocked = tn(locale, "review.cannot_reach", state.quorum, eligible=eligible, quorum=state.quorum)
        fields.append(Field(label(locale, "review.field.quorum"), blocked))
    elif state.is_open:
        fields.append(Field(label(locale, "review.field.earliest"), stamp(state.closes_at, "f"), True))
    elif state.closed_at is not None:
        # A decided review shows when it was decided, never a date it could have closed on.
        fields.append(Field(label(locale, "review.field.decided"), stamp(state.closed_at, "f"), True))
    if state.approver_ids:
        fields.append(Field(label(locale, "review.field.approved_by"), " ".join(who(i) for i in state.approver_ids)))
    if state.recused_ids:
        fields.append(Field(label(locale, "review.field.recused"), " ".join(who(i) for i in state.recused_ids)))
    for veto in state.veto_details:
        fields.append(
            Field(
                label(locale, "review.field.veto"),
                t(locale, "review.veto_line", actor=who(veto.reviewer_id), rationale=plain(veto.rationale, 900)),
            )
        )
    if lead.flags:
        fields.append(Field(label(locale, "lead.field.flags"), flag_lines(locale, lead)))
    fields.append(Field(label(locale, "review.field.checklist"), checklist_line(checklist, locale)))
    colour = Colour.INFO if state.is_open else (Colour.SUCCESS if state.outcome == "approved" else Colour.NEUTRAL)
    embed = make_embed(
        t(locale, "review.title", ref=lead.ref, partner=plain(lead.partner, 200)),
        label(locale, "review.body") if state.is_open else None,
        colour=colour,
        fields=fields,
    )
    fit_message([embed], notice=label(locale, "lead.shortened"))
    return embed


def _review_status(state: leads.ReviewState, locale: str) -> str:
    if state.is_open:
        return label(locale, "review.state.open")
    if state.outcome == "ended":
        return t(locale, "review.state.ended", status=term(locale, "status", state.lead.status))
    return label(locale, f"review.state.{state.outcome}")
