"""Texts of the web client: gettext catalogs through Babel, Indonesian first.

The sources are ``locale/<lang>/LC_MESSAGES/messages.po`` (committed; what a
translator edits). Message ids are keys (``kiosk.ahead``) because the pages
and the scripts both look texts up by key; values carry ``{name}``
placeholders. Indonesian is the default language and the fallback for a key
another catalog lacks. Plural entries follow each catalog's Plural-Forms
header: Indonesian has one form ("1 orang", "2 orang"), English two
("1 person", "2 people").

Catalogs are compiled in memory at start (``babel.messages.mofile``), so a
fresh checkout needs no build step. ``export(lang)`` is the same catalog as
JSON for the scripts (served as ``/static/<version>/i18n/<lang>.json``):
plural entries become ``{"one": ..., "other": ...}`` keyed by the CLDR plural
categories that ``Intl.PluralRules`` returns, so the browser picks the same
form Python does. Day and month names and number formats come from CLDR
(Babel's locale data; the scripts' Intl reads the same).

Another language: copy ``locale/id`` to ``locale/<lang>``, translate the
msgstr lines (``pybabel`` or any PO editor keeps the Plural-Forms header
right for the language) and add it to ``LANGS``.
"""
import datetime as dt
import gettext
import io
import json
import os

from babel import Locale
from babel.dates import get_day_names, get_month_names
from babel.numbers import format_decimal
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGS = ("id", "en")
DEFAULT_LANG = "id"
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")
API_ERRORS = "api_errors"  # msgctxt of the API's English field messages
ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}


def read_catalog(lang):
    path = os.path.join(LOCALE_DIR, lang, "LC_MESSAGES", "messages.po")
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang)


def _compiled(catalog):
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


class Catalog:
    """One language: gettext lookups, its plural keys, CLDR names."""

    def __init__(self, lang, fallback=None):
        self.lang = lang
        self.source = read_catalog(lang)
        self.translations = _compiled(self.source)
        if fallback is not None:
            self.translations.add_fallback(fallback.translations)
        self.plural_keys = {m.id[0] for m in self.source if m.id and m.pluralizable}
        if fallback is not None:
            self.plural_keys |= fallback.plural_keys
        self.keys = {m.id[0] if m.pluralizable else m.id for m in self.source
                     if m.id and not m.context}
        self.days = [get_day_names("wide", locale=lang)[i] for i in range(7)]  # Monday first
        self.months = [get_month_names("wide", locale=lang)[i] for i in range(1, 13)]


def _load():
    default = Catalog(DEFAULT_LANG)
    out = {DEFAULT_LANG: default}
    for lang in LANGS:
        if lang != DEFAULT_LANG:
            out[lang] = Catalog(lang, fallback=default)
    return out


CATALOGS = _load()


class Texts:
    """One request's language: ``t("kiosk.ahead", n=3)``. Unknown keys show as themselves."""

    def __init__(self, lang):
        self.lang = lang if lang in CATALOGS else DEFAULT_LANG
        self.catalog = CATALOGS[self.lang]

    def __call__(self, key, **values):
        gt = self.catalog.translations
        if key in self.catalog.plural_keys and isinstance(values.get("n"), int):
            text = gt.ngettext(key, key + ".plural", values["n"])
        else:
            text = gt.gettext(key)
        return text.format(**values) if values else text

    def __contains__(self, key):
        return key in self.catalog.keys or key in CATALOGS[DEFAULT_LANG].keys

    def get(self, key, default=None):
        return self(key) if key in self else default

    def api_error(self, message):
        """The page's words for a field message the API sends in English, or None."""
        text = self.catalog.translations.pgettext(API_ERRORS, message)
        return None if text == message else text

    def number(self, value):
        """'1.500.000' / '7,5' in Indonesian, '1,500,000' / '7.5' in English (CLDR; the
        scripts use Intl.NumberFormat, which reads the same data)."""
        return format_decimal(value, locale=self.lang)

    @property
    def days(self):
        return self.catalog.days

    @property
    def months(self):
        return self.catalog.months

    def when(self, iso, today=None):
        """An ISO time with offset, in the office's own clock: 'besok pukul 08.00 WIB'."""
        if not iso:
            return ""
        at = dt.datetime.fromisoformat(iso)
        hours = int(at.utcoffset().total_seconds() // 3600) if at.utcoffset() is not None else None
        zone = ZONES.get(hours, f"UTC{hours:+d}" if hours is not None else "")
        clock = self.clock(iso)
        if today is not None and at.date() == today:
            return self("time.rel_at", rel=self("time.today"), time=clock, zone=zone)
        if today is not None and at.date() == today + dt.timedelta(days=1):
            return self("time.rel_at", rel=self("time.tomorrow"), time=clock, zone=zone)
        return self("time.at", day=self.days[at.weekday()],
                    date=f"{at.day} {self.months[at.month - 1]}", time=clock, zone=zone)

    def clock(self, iso, since=None):
        """'HH.MM'; an end at midnight after ``since`` (a start, or a day) reads '24.00'."""
        at = dt.datetime.fromisoformat(iso)
        hour = at.hour
        if since is not None and hour == 0 and at.minute == 0:
            start = since if isinstance(since, dt.date) and not isinstance(since, dt.datetime) \
                else dt.datetime.fromisoformat(since).date()
            hour = 24 if at.date() > start else 0
        return f"{hour:02d}{self('time.sep')}{at.minute:02d}"

    def full_date(self, iso):
        try:
            d = dt.date.fromisoformat(str(iso)[:10])
        except ValueError:
            return iso or ""
        return self("time.full_date", day=self.days[d.weekday()], d=d.day,
                    month=self.months[d.month - 1], year=d.year)


def name_of(t, value):
    """A name the services keep in both languages ({"id": ..., "en": ...}) in the
    page's language, Indonesian when it lacks one; plain text as it is."""
    if isinstance(value, dict):
        return value.get(t.lang) or value.get(DEFAULT_LANG) or ""
    return value or ""


def _plural_categories(catalog):
    """gettext form index -> CLDR category (what Intl.PluralRules.select answers)."""
    rule = Locale.parse(catalog.lang).plural_form
    index_of = gettext.c2py(catalog.source.plural_expr)
    out = {}
    for n in range(0, 1000):
        out.setdefault(index_of(n), rule(n))
    return out


def export(lang):
    """The catalog of ``lang`` (with the default's texts for keys it lacks) as the scripts read it."""
    out = {}
    categories = {}
    for catalog in (CATALOGS[DEFAULT_LANG], CATALOGS[lang]):  # the language's own entries win
        categories = _plural_categories(catalog)
        for m in catalog.source:
            if not m.id:
                continue
            if m.context == API_ERRORS:
                out.setdefault(API_ERRORS, {})[m.id] = m.string
            elif m.pluralizable:
                forms = {categories[i]: text for i, text in enumerate(m.string)}
                forms.setdefault("other", m.string[-1])
                out[m.id[0]] = forms
            elif not m.context:
                out[m.id] = m.string
    out["days"] = CATALOGS[lang].days
    out["months"] = CATALOGS[lang].months
    return json.dumps(out, ensure_ascii=False, sort_keys=True).encode("utf-8")
