"""Plural messages (issue 14): each language's forms chosen by its own rule, checked, and used by real replies."""

from __future__ import annotations

import pytest
from babel import Locale

from bot.i18n import (
    FSI,
    PDI,
    PluralDomain,
    check_catalogs,
    check_plurals,
    plural_catalogs,
    plural_forms,
    plural_index,
    t,
    tn,
)
from bot.sim import Sim
from tests.cogs.test_leads_support import add_lead


def plain(text: str) -> str:
    return text.replace(FSI, "").replace(PDI, "")


def test_english_one_and_other() -> None:
    assert tn("en", "lead.exported", 1, format="csv") == "1 lead exported as csv."
    assert tn("en", "lead.exported", 2, format="csv") == "2 leads exported as csv."
    assert tn("en", "lead.exported", 0, format="csv") == "0 leads exported as csv."
    assert tn("en-GB", "lead.history.earlier", 1) == "… 1 earlier change"


def test_french_zero_and_one_are_singular() -> None:
    assert tn("fr", "lead.exported", 0, format="csv") == "0 piste exportée en csv."
    assert tn("fr", "lead.exported", 1, format="csv") == "1 piste exportée en csv."
    assert tn("fr", "lead.exported", 2, format="csv") == "2 pistes exportées en csv."
    assert tn("fr", "checklist.count.skipped", 0) == "0 passée"
    assert tn("fr", "lead.exported", 1_000_000, format="csv") == "1000000 de pistes exportées en csv."


def test_spanish_one_zero_and_millions() -> None:
    assert tn("es-ES", "lead.exported", 1, format="csv") == "1 iniciativa exportada como csv."
    assert tn("es-ES", "lead.exported", 0, format="csv") == "0 iniciativas exportadas como csv."
    assert tn("es-419", "lead.exported", 2, format="csv") == "2 iniciativas exportadas como csv."
    assert tn("es", "lead.exported", 2_000_000, format="csv") == "2000000 de iniciativas exportadas como csv."


def test_arabic_six_forms() -> None:
    said = {n: plain(tn("ar", "lead.exported", n, format="csv")) for n in (0, 1, 2, 3, 11, 100, 103, 111)}
    assert said[0] == "تم تصدير 0 فرصة بصيغة csv."  # zero
    assert said[1] == "تم تصدير 1 فرصة بصيغة csv."  # one
    assert said[2] == "تم تصدير 2 فرصتين بصيغة csv."  # two: the dual
    assert said[3] == "تم تصدير 3 فرص بصيغة csv."  # few (3-10): plural
    assert said[11] == "تم تصدير 11 فرصة بصيغة csv."  # many (11-99)
    assert said[100] == "تم تصدير 100 فرصة بصيغة csv."  # other
    assert said[103] == said[3].replace("3", "103")  # by n % 100
    assert said[111] == said[11].replace("11", "111")
    forms = [plain(tn("ar", "lead.history.earlier", n)).split(" ", 2)[2] for n in (0, 1, 2, 3, 11, 100)]
    assert forms == ["تغيير سابق", "تغيير سابق", "تغييران سابقان", "تغييرات سابقة", "تغييرًا سابقًا", "تغيير سابق"]
    # The count keeps its own direction inside the Arabic sentence.
    assert f"{FSI}3{PDI}" in tn("ar", "lead.exported", 3, format="csv")


@pytest.mark.parametrize("lang", ["en", "es", "fr", "ar"])
def test_gettext_index_agrees_with_babel_plural_categories(lang: str) -> None:
    """The Plural-Forms expression picks the form of the CLDR category Babel's Locale.plural_form gives."""
    rule = Locale.parse(lang).plural_form
    order = [tag for tag in ("zero", "one", "two", "few", "many", "other") if tag in rule.tags or tag == "other"]
    for n in [*range(0, 250), 1_000_000, 2_000_000]:
        assert order[plural_index(lang, n)] == rule(n), (lang, n)


def test_unknown_language_falls_back_to_english_rule_and_text() -> None:
    assert tn("de", "lead.exported", 1, format="csv") == "1 lead exported as csv."
    assert tn("en", "no.such.plural", 3) == "no.such.plural"
    # A plural key passed to t() by an older caller with an int count still gets the right form.
    assert t("fr", "lead.exported", count=1, format="csv") == "1 piste exportée en csv."


def test_shipped_plurals_have_the_forms_each_language_needs() -> None:
    assert check_plurals() == []
    assert check_catalogs() == []
    shipped = plural_catalogs()
    for lang in ("en", "es", "fr", "ar"):
        needed = plural_forms(lang)[0]
        entries = {key: forms for domain in shipped[lang].values() for key, forms in domain.entries.items()}
        assert len(entries["lead.exported"]) == needed
        assert all(len(forms) == needed for forms in entries.values())
    assert plural_forms("ar")[0] == 6 and plural_forms("en")[0] == 2


def test_check_plurals_reports_wrong_forms_headers_and_placeholders() -> None:
    en = plural_forms("en")
    fr = plural_forms("fr")
    data = {
        "en": {"leads": PluralDomain(en, {"x": ("{count} lead", "{count} leads"), "y": ("a {count}", "b {count}")})},
        "fr": {"leads": PluralDomain(None, {"x": ("{count} piste", "{count} pistes")})},
        "es": {
            "leads": PluralDomain(plural_forms("es"), {"x": ("{count} a", "{n} b", "{count} c"), "y": ("a", "b", "c")})
        },
        "ar": {
            "leads": PluralDomain(
                (2, "(n != 1)"), {"x": ("{count}",) * 6, "y": ("{count}",) * 6, "z": ("{count}",) * 6}
            )
        },
    }
    problems = check_plurals(data)
    assert any("fr/LC_MESSAGES/leads.po: has plural entries but no Plural-Forms header" in p for p in problems)
    assert any(f"fr/LC_MESSAGES/leads.po: 'x' has 2 forms, fr needs {fr[0]}" in p for p in problems)
    assert any("fr/LC_MESSAGES/leads.po: missing plural 'y'" in p for p in problems)
    assert any("es/LC_MESSAGES/leads.po: 'x' msgstr[1] has placeholders ['n']" in p for p in problems)
    assert any("es/LC_MESSAGES/leads.po: 'y' msgstr[0] has placeholders []" in p for p in problems)
    assert any("ar/LC_MESSAGES/leads.po: Plural-Forms is nplurals=2" in p for p in problems)
    assert any(
        "ar/LC_MESSAGES/leads.po: plural 'z' is not a plural entry in the English catalog" in p for p in problems
    )
    assert not any("/en/" in p for p in problems)


def test_check_config_runs_the_plural_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.i18n as i18n

    broken = {"en": {"leads": PluralDomain(plural_forms("en"), {"x": ("{count} a",)})}}
    monkeypatch.setattr(i18n, "plural_catalogs", lambda: broken)
    assert any("'x' has 1 forms, en needs 2" in p for p in check_catalogs())


async def test_export_summary_through_the_command(sim: Sim) -> None:
    await add_lead(sim, "Europeana", user="alice")
    r = await sim.slash("lead export", user="alice", format="csv")
    assert "1 lead exported as csv." in r.text
    r = await sim.slash("lead export", user="alice", format="csv", locale="fr")
    assert "1 piste exportée en csv." in r.text
    r = await sim.slash("lead export", user="alice", format="csv", locale="es-ES")
    assert "1 iniciativa exportada como csv." in r.text
    r = await sim.slash("lead export", user="alice", format="wikitext")
    assert "0 public leads exported as wikitext. 1 working-group-only lead left out." in r.text
    r = await sim.slash("lead export", user="alice", format="wikitext", locale="fr")
    assert "0 piste publique exportée en wikitext. 1 piste réservée au groupe de travail laissée de côté." in r.text

    await add_lead(sim, "Open Library", user="alice")
    r = await sim.slash("lead export", user="alice", format="csv")
    assert "2 leads exported as csv." in r.text
    r = await sim.slash("lead export", user="alice", format="csv", locale="ar")
    assert "تم تصدير 2 فرصتين بصيغة csv." in plain(r.text)
    await add_lead(sim, "Quiet Bank", user="alice")
    r = await sim.slash("lead export", user="alice", format="csv", locale="ar")
    assert "تم تصدير 3 فرص بصيغة csv." in plain(r.text)
