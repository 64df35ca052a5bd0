"""The web client's texts: gettext catalogs with plural forms (Babel), the same
catalog exported for the scripts, CLDR names for days and months."""
import json

from babel import Locale

from gateway.web import i18n
from gateway.web.base import StaticFiles
from gateway.web.i18n import Texts


def test_plurals_follow_each_language():
    en, id_ = Texts("en"), Texts("id")
    assert en("kiosk.waiting", n=1) == "1 person waiting"
    assert en("kiosk.waiting", n=2) == "2 people waiting"
    assert en("kiosk.waiting", n=0) == "0 people waiting"
    # Indonesian has one form: the noun does not change with the number.
    assert id_("kiosk.waiting", n=1) == "1 orang menunggu"
    assert id_("kiosk.waiting", n=2) == "2 orang menunggu"
    assert en("permit.working_days", n=1) == "1 working day" and en("permit.working_days", n=5) == "5 working days"
    assert en("access.count", n=1) == "1 office found." and id_("access.count", n=3) == "3 kantor ditemukan."


def test_every_plural_entry_has_the_forms_its_header_asks_for():
    # Plural-Forms as CLDR and the gettext manual give them: Indonesian 1 form, English 2.
    expected = {"id": 1, "en": 2}
    for lang, count in expected.items():
        catalog = i18n.read_catalog(lang)
        assert catalog.num_plurals == count
        plurals = [m for m in catalog if m.id and m.pluralizable]
        assert plurals and all(len(m.string) == count and all(m.string) for m in plurals), lang


def test_scripts_read_the_same_catalog_with_cldr_plural_categories():
    for lang in ("id", "en"):
        exported = json.loads(i18n.export(lang))
        t = Texts(lang)
        assert exported["home.title"] == t("home.title")
        assert exported["api_errors"]["required"] == t.api_error("required")
        plural = exported["kiosk.waiting"]
        # The keys are what Intl.PluralRules(lang).select(n) answers, so the browser picks
        # the form gettext picks: check against Babel's CLDR rules.
        rule = Locale.parse(lang).plural_form
        for n in (0, 1, 2, 5, 21):
            assert plural[rule(n)].format(n=n) == t("kiosk.waiting", n=n)
    assert set(json.loads(i18n.export("en"))["kiosk.waiting"]) == {"one", "other"}
    assert set(json.loads(i18n.export("id"))["kiosk.waiting"]) == {"other"}


def test_the_export_is_served_with_the_static_files():
    static = StaticFiles()
    data, _, ctype, _ = static.files["i18n/en.json"]
    assert ctype.startswith("application/json") and json.loads(data)["nav.home"] == "Home"


def test_day_and_month_names_come_from_cldr():
    assert Texts("id").days[0] == "Senin" and Texts("id").days[6] == "Minggu"
    assert Texts("en").months[7] == "August" and Texts("id").months[7] == "Agustus"
    assert Texts("id").when("2026-11-24T08:00+07:00") == "Selasa, 24 November pukul 08.00 WIB"


def test_unknown_keys_show_as_themselves_and_unknown_languages_are_indonesian():
    en = Texts("en")
    assert en("no.such.key") == "no.such.key"
    assert "home.title" in en and "no.such.key" not in en
    assert Texts("xx").lang == "id"  # an unknown language is the default
