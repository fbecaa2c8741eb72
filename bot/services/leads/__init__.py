"""The leads register (docs/design.md section 1): record, pipeline, dedup, review, search, export.

Other features and cogs use the register through its service objects, built once by :mod:`bot.compose`:
:class:`LeadsService` (log, read, move, annotate, edit, export) and :class:`ReviewService` (votes, due
reviews, review cards). This package front also names the record types and vocabularies they pass around
(``leads.Lead``, ``leads.STATUSES``...) and the few inner steps scripts and tests without a running bot
still call as functions (``leads.get_lead``, ``leads.events_between``, ``leads.open_reviews``...).

Every other step is an inner one: import it from the module that defines it (``from
bot.services.leads.queries import list_leads``); ``log_lead`` and ``find_duplicates``, for scripts and
tests without a running bot, are in :mod:`bot.services.leads.service`.
"""

from bot.services.leads.cards import CardJob
from bot.services.leads.dedup import normalise_name
from bot.services.leads.export import FORMATS, Export, ExportSummary, ExportTooBig, write_export
from bot.services.leads.feeds import created_between, events_between, needs_attention
from bot.services.leads.forms import FORM_TTL, KeptForms
from bot.services.leads.model import (
    CLOSED_STATUSES,
    DIRECTIONS,
    LEVELS,
    OPEN_STATUSES,
    SEVERITIES,
    STATUSES,
    TIERS,
    VISIBILITIES,
    Flag,
    Lead,
    LeadDetail,
    LeadDraft,
    LeadEvent,
    Note,
    parse_lead_id,
)
from bot.services.leads.pipeline import NOTE_ACCESS, TRANSITIONS, Move, add_note, set_flags_from, transition
from bot.services.leads.queries import LeadFilter, LeadPage, get_lead
from bot.services.leads.register import EDITABLE, AddResult, Duplicate, duplicate_note
from bot.services.leads.review import ReviewCardJob, ReviewState, VoteResult, needs_approval_reason, open_reviews
from bot.services.leads.search import SearchHit, Suggestion
from bot.services.leads.service import LeadsService, ReviewService

__all__ = [
    "CLOSED_STATUSES",
    "DIRECTIONS",
    "EDITABLE",
    "FORMATS",
    "FORM_TTL",
    "LEVELS",
    "NOTE_ACCESS",
    "OPEN_STATUSES",
    "SEVERITIES",
    "STATUSES",
    "TIERS",
    "TRANSITIONS",
    "VISIBILITIES",
    "AddResult",
    "CardJob",
    "Duplicate",
    "Export",
    "ExportSummary",
    "ExportTooBig",
    "Flag",
    "KeptForms",
    "Lead",
    "LeadDetail",
    "LeadDraft",
    "LeadEvent",
    "LeadFilter",
    "LeadPage",
    "LeadsService",
    "Move",
    "Note",
    "ReviewCardJob",
    "ReviewService",
    "ReviewState",
    "SearchHit",
    "Suggestion",
    "VoteResult",
    "add_note",
    "created_between",
    "duplicate_note",
    "events_between",
    "get_lead",
    "needs_approval_reason",
    "needs_attention",
    "normalise_name",
    "open_reviews",
    "parse_lead_id",
    "set_flags_from",
    "transition",
    "write_export",
]
