"""Publishing the register of public leads and the decisions log on a MediaWiki wiki (docs/design.md section 5):
what is written (:mod:`.content`), the bot's part of a page (:mod:`.markers`), the wiki's API
(:mod:`.client`), one run (:mod:`.publish`), and publishing for one guild as one object
(:class:`WikiService`, :mod:`.service`)."""

from bot.services.wiki.client import EditConflict, WikiClient, WikiError, WikiPage
from bot.services.wiki.publish import (
    PAGE_KEYS,
    PageReport,
    PageStatus,
    RunReport,
    Status,
    blocks,
    change_mark,
    failing,
    pages_changed,
    publish,
    schedule_due,
    status,
    titles,
)
from bot.services.wiki.service import WikiService

__all__ = [
    "PAGE_KEYS",
    "EditConflict",
    "PageReport",
    "PageStatus",
    "RunReport",
    "Status",
    "WikiClient",
    "WikiError",
    "WikiPage",
    "WikiService",
    "blocks",
    "change_mark",
    "failing",
    "pages_changed",
    "publish",
    "schedule_due",
    "status",
    "titles",
]
