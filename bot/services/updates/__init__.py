"""Working-group updates: stored first, posted to the announcements channel after, retried until posted.

What an update is and the checks on it (:mod:`.model`), the database (:mod:`.store`), and the updates of
one guild as one object (:class:`UpdatesService`, :mod:`.service`). Other features import from here:
``from bot.services import updates`` then ``updates.posted_between(...)``.
"""

from bot.services.updates.model import (
    BODY_LIMIT,
    LINK_LIMIT,
    LIST_LIMIT,
    TITLE_LIMIT,
    Update,
    check_area,
    check_link,
    check_text,
)
from bot.services.updates.service import THREAD_RETRY, UpdatesService
from bot.services.updates.store import (
    create_update,
    get_update,
    list_updates,
    mark_posted,
    mark_thread,
    missing_threads,
    posted_between,
    unposted,
)

__all__ = [
    "BODY_LIMIT",
    "LINK_LIMIT",
    "LIST_LIMIT",
    "THREAD_RETRY",
    "TITLE_LIMIT",
    "Update",
    "UpdatesService",
    "check_area",
    "check_link",
    "check_text",
    "create_update",
    "get_update",
    "list_updates",
    "mark_posted",
    "mark_thread",
    "missing_threads",
    "posted_between",
    "unposted",
]
