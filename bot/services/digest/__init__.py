"""The periodic digest: what a period held, its text, and exactly-once delivery of its messages.

Delivery is a small state machine over two tables. A run is recorded, with every message it will
post already rendered (``digest_parts.payload``), *before* anything is sent; each part's message id is
recorded right after Discord accepted it; the run becomes ``delivered`` (and the watermark, the end of
the latest delivered or skipped run, moves) only when every part is recorded. A failed send leaves
the run ``pending``; the next pass resends the very same payloads from the first unsent part.
"""

from bot.services.digest.content import DigestContent, collect, is_move
from bot.services.digest.periods import (
    LATE_GRACE,
    Period,
    Plan,
    RunKind,
    RunStatus,
    manual_plan,
    next_due,
    period_start,
    plan,
    watermark,
)
from bot.services.digest.render import (
    QUOTE_LIMIT,
    SECTION_LIMIT,
    RenderedDigest,
    Section,
    feedback_entry,
    quote,
    render,
    stamp,
)
from bot.services.digest.runs import (
    DigestPart,
    DigestRun,
    get_run,
    list_runs,
    new_nonce,
    pending_run,
    record,
    record_attempt,
    record_failure,
    record_part_sent,
    scrub_feedback,
)

__all__ = [
    "LATE_GRACE",
    "QUOTE_LIMIT",
    "SECTION_LIMIT",
    "DigestContent",
    "DigestPart",
    "DigestRun",
    "Period",
    "Plan",
    "RenderedDigest",
    "RunKind",
    "RunStatus",
    "Section",
    "collect",
    "feedback_entry",
    "get_run",
    "is_move",
    "list_runs",
    "manual_plan",
    "new_nonce",
    "next_due",
    "pending_run",
    "period_start",
    "plan",
    "quote",
    "record",
    "record_attempt",
    "record_failure",
    "record_part_sent",
    "render",
    "scrub_feedback",
    "stamp",
    "watermark",
]
