"""The citizen's phone, the office page, the board's notices and the words of
the pages (issue 16), through the real pages with the queue's answers faked
at the RPC boundary (as tests/unit/test_web_pages.py)."""
import html
import re

import pytest
from babel.messages.pofile import read_po

from gateway.web import i18n
from gateway.web.hall import estimate_texts
from gateway.web.i18n import Texts
from gateway.web.office import map_links
from tests.unit.test_web_pages import TOKEN, client, deps, office, view  # noqa: F401 (fixtures)

ID, EN = Texts("id"), Texts("en")
WEEK = {d: [["08:00", "12:00"], ["13:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
WEEK_VIEW = {d: [{"start": s, "end": e, "evening": e == "21:00"} for s, e in spans] for d, spans in WEEK.items()}
WHERE = {"address": "Jl. Pahlawan, Magelang Utara", "location": {"lat": -7.4528, "lon": 110.224},
         "sessions": {**{d: [] for d in ("sat", "sun")}, **WEEK_VIEW}}


def visible(page):
    """The words a reader meets: text outside tags, scripts and the language switch."""
    body = page.split("<body", 1)[1]
    body = re.sub(r'<a href="[^"]*lang=[^"]*"[^>]*>.*?</a>', " ", body)  # the switch names the other language
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", body, flags=re.S)))


# --- the office page --------------------------------------------------------
def test_office_page_shows_address_todays_hours_and_map_links_without_third_party_content(client, deps):
    today = office()["today"]
    today["sessions"][1]["evening"] = True
    deps.rpc.answers["get_office"] = lambda office_id: office(**WHERE, today=today)
    resp = client.simulate_get("/offices/33.71.02")
    assert resp.status_code == 200
    text = visible(resp.text)
    assert "Jl. Pahlawan, Magelang Utara" in text
    assert re.search(r"13\.00–21\.00\s+Layanan malam", text) and "08.00–12.00" in text
    assert 'href="geo:-7.452800,110.224000?q=-7.452800,110.224000(Magelang%20Utara)"' in resp.text
    assert 'href="https://www.openstreetmap.org/?mlat=-7.452800&amp;mlon=110.224000#map=18/-7.452800/110.224000"' in resp.text
    # Nothing loaded from another site: no tiles, frames or scripts.
    assert not re.search(r'<(img|iframe|script|link)[^>]+(src|href)="https?://', resp.text)
    assert "<iframe" not in resp.text
    en = visible(client.simulate_get("/offices/33.71.02", params={"lang": "en"}).text)
    assert "Open in a map app" in en and "Evening service" in en


def test_map_links_follow_rfc_5870_and_need_a_location():
    geo, osm = map_links({"lat": -7.4972, "lon": 110.219}, "Magelang Selatan")
    assert geo == "geo:-7.497200,110.219000?q=-7.497200,110.219000(Magelang%20Selatan)"
    assert osm.startswith("https://www.openstreetmap.org/?mlat=-7.497200&mlon=110.219000")
    assert map_links(None, "x") == (None, None)


def test_home_links_each_office_page(client):
    assert 'href="/offices/33.71.02"' in client.simulate_get("/").text


# --- the ticket page -------------------------------------------------------
def test_estimates_never_read_plus_minus_zero_and_say_why_there_is_none():
    assert estimate_texts(ID, 0) == ("Sebentar lagi", "")
    assert estimate_texts(ID, 12) == ("± 12 menit", "")
    assert estimate_texts(ID, None, 0)[1].startswith("Belum ada loket yang buka")
    assert estimate_texts(EN, None, 2)[1] == "There are not yet enough of today's service times to estimate."
    for lang in (ID, EN):
        assert "± 0" not in " ".join(estimate_texts(lang, 0))


def test_ticket_page_banner_on_top_live_sentence_and_reason_for_no_estimate(client, deps):
    deps.readmodel.views.clear()
    deps.rpc.answers["ticket_status"] = lambda token: view(estimated_wait_minutes=None, people_ahead=3)
    deps.rpc.answers["list_services"] = lambda office_id: [{"code": "KTP", "counters_open": 0}]
    page = client.simulate_get(f"/t/{TOKEN}").text
    assert page.index('id="offline"') < page.index("<h1")  # the banner is the first thing on the page
    live = re.search(r'<p class="sr-only" id="status-live">([^<]*)</p>', page).group(1)
    assert live == "3 orang di depan Anda. Perkiraan menunggu: Belum dapat diperkirakan."
    assert "Belum ada loket yang buka untuk layanan ini." in page
    assert re.search(r'<section class="next-step" id="next-step"[^>]* hidden', page)  # still waiting
    deps.rpc.answers["ticket_status"] = lambda token: view(estimated_wait_minutes=0, people_ahead=0)
    page = client.simulate_get(f"/t/{TOKEN}").text
    assert "± 0" not in page and ">Sebentar lagi<" in page


def test_after_a_no_show_the_ticket_page_offers_a_new_ticket(client, deps):
    deps.readmodel.views.clear()
    deps.rpc.answers["ticket_status"] = lambda token: view(status="no_show", people_ahead=0)
    page = client.simulate_get(f"/t/{TOKEN}").text
    section = re.search(r'<section class="next-step" id="next-step"[^>]*>', page).group(0)
    assert "hidden" not in section and 'href="/kiosk/33.71.02"' in page
    assert "Ambil nomor antrean baru" in page
    assert 'data-office="33.71.02"' in page and 'data-number="A-007"' in page  # what the device remembers


def test_phone_and_board_count_recalls_the_same_way(client, deps):
    deps.readmodel.views.clear()
    deps.rpc.answers["ticket_status"] = lambda token: view(status="called", counter="2", counter_name="Loket 2",
                                                           recalls=1, people_ahead=0)
    phone = visible(client.simulate_get(f"/t/{TOKEN}").text)
    board = visible(client.simulate_get("/display/33.71.02").text)  # the same ticket, recalls 1
    assert "panggilan ke-2" in phone.lower() and "panggilan ke-2" in board.lower()
    en_phone = visible(client.simulate_get(f"/t/{TOKEN}", params={"lang": "en"}).text)
    assert "This is call 2." in en_phone and "Counter 2" in en_phone and "Loket" not in en_phone


# --- the board's notices ---------------------------------------------------
def test_a_broken_facility_notice_is_said_in_the_pages_language_with_the_help_available(client, deps):
    notice = {"id": "facility-r1", "text": "Ram utama sedang rusak. Petugas siap membantu.",
              "kind": "accessibility", "facility_kind": "ramp", "facility_status": "broken"}
    board = deps.rpc.answers["board"]
    deps.rpc.answers["board"] = lambda office_id: {**board(office_id), "notices": [notice]}
    idn = visible(client.simulate_get("/display/33.71.02").text)
    en = visible(client.simulate_get("/display/33.71.02", params={"lang": "en"}).text)
    assert "Ram: rusak. Petugas akan membantu Anda masuk; minta bantuan di pintu masuk." in idn
    assert "Ramp: out of order. Staff will help you in; ask at the entrance." in en
    assert "rusak" not in en and "Counter 2" in en


# --- words -----------------------------------------------------------------
# Indonesian words that must not reach an English page. "kecamatan" is the
# name of the office itself (a subdistrict), kept in English as a proper term.
INDONESIAN = ("antrean", "antrian", "loket", "nomor", "silakan", "menunggu", "kantor", "layanan",
              "tiket", "dipanggil", "tidak", "yang", "untuk", "menit", "pukul", "petugas", "dengan",
              "atau", "sedang", "rusak", "panggilan", "perkiraan", "ambil", "buka", "tutup", "hari ini")


def catalog(lang):
    with open(f"{i18n.LOCALE_DIR}/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def strings(cat):
    for m in cat:
        if m.id:
            yield m.id, (list(m.string) if isinstance(m.string, (list, tuple)) else [m.string])


def test_english_catalog_has_no_indonesian_words():
    found = [(key, word) for key, texts in strings(catalog("en")) for text in texts
             for word in INDONESIAN if re.search(rf"\b{word}\b", text or "", re.I)]
    assert found == []


def test_one_spelling_antrean_and_no_english_left_in_indonesian():
    found = [key for key, texts in strings(catalog("id")) for text in texts if re.search(r"antrian", text or "", re.I)]
    assert found == []
    assert ID("facility.kind.hearing_loop") != EN("facility.kind.hearing_loop")
    assert ID("need.hearing_loop") != "Hearing loop"


@pytest.mark.parametrize("path", ["/", "/kiosk/33.71.02", f"/t/{TOKEN}", "/display/33.71.02", "/counter",
                                  "/offices/33.71.02", "/access"])
def test_english_pages_have_no_indonesian_fragments_and_no_doubled_brackets(client, deps, path):
    deps.rpc.answers["get_office"] = lambda office_id: office(**WHERE)
    deps.rpc.answers["search"] = lambda needs: []
    deps.readmodel.views.clear()
    board = deps.rpc.answers["board"]  # a notice staff typed stays as typed: none here
    deps.rpc.answers["board"] = lambda office_id: {**board(office_id), "notices": []}
    english = visible(client.simulate_get(path, params={"lang": "en"}).text)
    names = ("Magelang Utara", "Magelang Selatan", "Tengah")  # office names are names
    for name in names:
        english = english.replace(name, "")
    found = [word for word in INDONESIAN if re.search(rf"\b{word}\b", english, re.I)]
    assert found == [], english
    for lang in ("id", "en"):
        text = visible(client.simulate_get(path, params={"lang": lang}).text)
        assert not re.search(r"\(\s*\(|\)\s*\)|\([^()]*\([^()]*\)[^()]*\)", text), text


def test_access_search_lands_on_the_results_and_a_broken_facility_says_what_help_there_is(client, deps):
    from gateway.web.notices import facility_help
    deps.rpc.answers["search"] = lambda needs: []
    page = client.simulate_get("/access", params={"needs": "wheelchair"})
    assert 'action="/access#results-h"' in page.text  # without scripts the answer opens at the results
    assert facility_help(EN, "ramp", "broken") == "Staff will help you in; ask at the entrance."
    assert facility_help(ID, "toilet", "removed").startswith("Petugas siap membantu")
    assert facility_help(ID, "ramp", "available") == ""
