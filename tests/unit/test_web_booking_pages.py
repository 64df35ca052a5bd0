"""Booking pages without a browser or a stack: the real clients over a fake RPC
(tests/unit/test_web_pages.py). The stack and browser runs cover the rest."""
import icalendar
import pytest

from tests.unit.test_web_pages import TOKEN, client, conflict, deps, office  # noqa: F401 (fixtures)

SLOTS = [{"start": "2026-11-23T19:00+07:00", "end": "2026-11-23T19:30+07:00", "capacity": 2, "free": 0},
         {"start": "2026-11-23T19:30+07:00", "end": "2026-11-23T20:00+07:00", "capacity": 2, "free": 2}]
BOOKING = {"code": "K7M2Q9ZX", "office_id": "33.71.02", "service": "KTP", "status": "booked",
           "slot_start": "2026-11-23T19:30+07:00", "slot_end": "2026-11-23T20:00+07:00",
           "check_in_from": "2026-11-23T19:00+07:00", "check_in_until": "2026-11-23T19:45+07:00",
           "priority_reason": None, "phone": "+62812*****890", "ticket_number": None}


@pytest.fixture
def booking_deps(deps):
    bookable = office()
    bookable["services"][0]["bookable"] = True
    deps.rpc.answers.update({"get_office": lambda office_id: bookable,
                             "booking_slots": lambda office_id, query: SLOTS,
                             "booking_status": lambda token: BOOKING})
    return deps


def test_book_page_lists_the_days_slots_with_full_ones_disabled(client, booking_deps):
    page = client.simulate_get("/book/33.71.02", params={"service": "KTP", "date": "2026-11-23"})
    assert page.status_code == 200 and "Booking antrean" in page.text
    assert 'value="2026-11-23T19:00+07:00" required disabled' in page.text and "19.00–19.30 · penuh" in page.text
    assert 'value="2026-11-23T19:30+07:00" required>' in page.text and "2 tempat kosong" in page.text
    assert '<option value="IZIN"' not in page.text  # takes no bookings
    english = client.simulate_get("/book/33.71.02", params={"service": "KTP", "date": "2026-11-23", "lang": "en"})
    assert "Book a slot" in english.text and "2 places free" in english.text


def test_booking_form_posts_without_javascript_and_says_why_when_refused(client, booking_deps):
    booking_deps.rpc.answers["book_slot"] = lambda office_id, request, idempotency_key=None, actor="": {
        **BOOKING, "token": TOKEN, "replayed": False}
    form = "service=KTP&date=2026-11-23&slot_start=2026-11-23T19%3A30%2B07%3A00&phone=081234567890&key=form-key-0001"
    done = client.simulate_post("/book/33.71.02", body=form,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 303 and done.headers["Location"] == f"/b/{TOKEN}"
    method, args, kwargs = booking_deps.rpc.calls[-1]
    assert method == "book_slot" and args[1]["phone"] == "081234567890" and kwargs["idempotency_key"].endswith("|form-key-0001")
    booking_deps.rpc.answers["book_slot"] = conflict(reason="full")
    full = client.simulate_post("/book/33.71.02", body=form,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert full.status_code == 409 and "Jam ini sudah penuh" in full.text and 'name="slot_start"' in full.text
    short = client.simulate_post("/book/33.71.02", body=form.replace("081234567890", "0812"),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert short.status_code == 422 and 'href="#f-phone"' in short.text


def test_booking_page_and_its_calendar_file(client, booking_deps):
    page = client.simulate_get(f"/b/{TOKEN}")
    assert page.status_code == 200 and "K7M2Q9ZX" in page.text and "+62812*****890" in page.text
    assert "19.00–19.45" in page.text and 'value="check_in"' in page.text
    ics = client.simulate_get(f"/b/{TOKEN}/booking.ics")
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert event.decoded("dtstart").isoformat() == "2026-11-23T12:30:00+00:00"
    assert client.simulate_get("/b/not-a-token").status_code == 404
