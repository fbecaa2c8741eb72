"""Anonymous feedback: storage, release in batches, retraction and retention (drafts, held in memory
only, are in :mod:`bot.services.feedback_drafts`; the rules for the text in :mod:`bot.services.feedback_text`).

What is kept per item is guild, topic, text, the UTC day it arrived, a salted hash of its retraction
code and, once released, its batch and its place in the batch. Nothing here ever receives an author:
callers pass only the text and the topic, and the only identity-derived value is the opaque keyed hash
a draft or a waiting item is bound to, which lives in memory (:class:`service.FeedbackService`).

``model`` holds the values, ``codes`` the retraction codes, ``sql`` the plain functions run on the
feedback store's thread, ``store`` the steps on a database, ``service`` the guild's feedback as one object.
"""

import secrets as secrets  # tests replace secrets.randbelow through this module

from bot.services.feedback import sql
from bot.services.feedback.codes import (
    CODE_ALPHABET,
    CODE_GROUP,
    CODE_LENGTH,
    format_code,
    looks_like_code,
    new_code,
    normalise_code,
)
from bot.services.feedback.model import (
    Authors,
    FeedbackDigest,
    Purged,
    ReleasedBatch,
    ReleasedItem,
    Retracted,
    Submitted,
    iso_week,
)
from bot.services.feedback.store import (
    checkpoint,
    digest_info,
    purge_expired,
    release,
    released_batches,
    retract,
    submit,
    waiting_count,
)
from bot.services.feedback_drafts import DRAFT_TTL, TOPICS, Draft, Drafts, check_topic

#: The plain functions on the feedback store's connection, by the names tests call them with.
_insert_item = sql.insert_item
_release_sync = sql.release_batch
_find_code = sql.find_code

__all__ = [
    "CODE_ALPHABET",
    "CODE_GROUP",
    "CODE_LENGTH",
    "DRAFT_TTL",
    "TOPICS",
    "Authors",
    "Draft",
    "Drafts",
    "FeedbackDigest",
    "Purged",
    "ReleasedBatch",
    "ReleasedItem",
    "Retracted",
    "Submitted",
    "check_topic",
    "checkpoint",
    "digest_info",
    "format_code",
    "iso_week",
    "looks_like_code",
    "new_code",
    "normalise_code",
    "purge_expired",
    "release",
    "released_batches",
    "retract",
    "submit",
    "waiting_count",
]
