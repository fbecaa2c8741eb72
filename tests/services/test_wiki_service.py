"""The wiki service's own bookkeeping, without a wiki: when a change is due, and one run at a time.
Publishing to a real MediaWiki is tested in tests/wiki."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import LeadsSettings, WikiSettings
from bot.db import Database
from bot.services import leads
from bot.services.leads.service import log_lead
from bot.services.wiki import WikiService

GUILD = 5
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
PASSWORD_ENV = "PB_TEST_WIKI_SERVICE_PASSWORD"


async def test_a_change_is_due_once_the_debounce_has_passed(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    settings = WikiSettings.model_validate(
        {
            "api_url": "http://127.0.0.1:9/api.php",
            "user": "Admin@partnerbot",
            "password_env": PASSWORD_ENV,
            "schedule": "0 6 1 1 *",
            "debounce_minutes": 10,
        }
    )
    clock = [NOW]
    service = WikiService(db, GUILD, settings, lambda: clock[0], fallback_locale="fr")
    assert service.locale == "fr"
    assert await service.due() == "schedule"  # never published
    report = await service.publish()  # no password: a failed run, recorded, and no wiki asked
    assert report.failure is not None and PASSWORD_ENV in report.failure
    assert (await service.status()).last_run_at == NOW and await service.failing() == (NOW, report.failure)
    assert await service.trouble()
    assert await service.due() is None
    draft = leads.LeadDraft(partner="Europeana", level="national", direction="external", visibility="public")
    await log_lead(db, GUILD, draft, owner_id=7, now=NOW, settings=LeadsSettings(), check_duplicates=False)
    assert await service.due() is None  # seen: it waits
    clock[0] = NOW + timedelta(minutes=9)
    assert await service.due() is None
    clock[0] = NOW + timedelta(minutes=10)
    assert await service.due() == "change" and await service.changed()
    assert await service.due() is None  # the change no longer waits
