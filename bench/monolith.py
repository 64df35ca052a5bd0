"""The baseline: one Falcon + pymongo process doing the same atomic ticket issue
(and status read) as the queue service, with the same storage code and rules,
but no RPC hop and no events. Run under the gateway's gunicorn settings:

    MONGO_URI=... BENCH_DB_PREFIX=bench_mono_ gunicorn -c gateway/gunicorn_conf.py bench.monolith:app
"""
import datetime as dt
import os
import uuid

import falcon

from services.common.mongo import connect
from services.common import calendar
from services.queue import domain
from services.queue.storage import QueueStore

SECRET = os.environ.get("SENJA_SECRET", "bench")
_client = connect(os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"))
store = QueueStore(_client[os.environ.get("BENCH_DB_PREFIX", "bench_mono_") + "senja_queue"])
store.ensure_indexes()


def _basis(office_id, svc):
    measured = domain.mean_service_seconds(store.recent_service_seconds(office_id, svc["code"]))
    return domain.service_seconds_basis(svc, measured)


def _view(ticket, office):
    ahead = store.count_ahead(ticket["office_id"], ticket["service"], ticket["local_date"], ticket["sort_key"])
    svc = next(s for s in office["services"] if s["code"] == ticket["service"])
    estimate = domain.estimate_wait_minutes(ahead, _basis(office["id"], svc),
                                            store.counters_open_for(office["id"], ticket["service"]))
    event = {k: v for k, v in ticket.items() if k != "_id"}
    event["ticket_id"] = ticket["_id"]
    return domain.status_view(event, calendar.tz(office), ahead, estimate)


class Tickets:
    def on_post(self, req, resp, office_id):
        data = req.get_media()
        office = store.get_office(office_id)
        if office is None:
            raise falcon.HTTPNotFound()
        svc = next((s for s in office["services"] if s["code"] == data.get("service")), None)
        if svc is None:
            raise falcon.HTTPUnprocessableEntity()
        now = dt.datetime.now(dt.timezone.utc)
        session = calendar.current_session(office, now)
        if session is None:
            raise falcon.HTTPConflict()
        today = calendar.local_date(office, now).isoformat()
        ahead = store.count_waiting(office_id, svc["code"], today)
        if not domain.can_finish_before_close(now, session[1], ahead, _basis(office_id, svc),
                                              store.counters_open_for(office_id, svc["code"])):
            raise falcon.HTTPConflict()
        serial = store.next_serial(office_id, svc["code"], today, svc.get("daily_quota"))
        if serial is None:
            raise falcon.HTTPConflict()
        ticket_id = uuid.uuid4().hex
        token = domain.ticket_token(SECRET, ticket_id)
        ticket = {"_id": ticket_id, "ticket_key": domain.token_key(token), "office_id": office_id,
                  "service": svc["code"], "issued_service": svc["code"],
                  "number": domain.format_number(svc["prefix"], serial), "local_date": today,
                  "serial": serial, "status": "waiting", "priority_reason": None, "channel": "web",
                  "issued_at": now, "queued_at": now, "called_at": None, "counter_id": None,
                  "counter_name": None, "recalls": 0, "from_service": None, "version": 1,
                  "sort_key": domain.sort_key(now, None)}
        store.insert_ticket(ticket)
        store.record({"ticket_id": ticket["_id"], "office_id": office_id, "event": "ticket_issued",
                      "actor": "web", "at": now, "status": "waiting"})
        resp.status = falcon.HTTP_201
        resp.media = {**_view(ticket, office), "token": token}


class Ticket:
    def on_get(self, req, resp, token):
        ticket = store.find_ticket_by_key(domain.token_key(token))
        if ticket is None:
            raise falcon.HTTPNotFound()
        resp.media = _view(ticket, store.get_office(ticket["office_id"]))


app = falcon.App()
app.add_route("/api/v1/offices/{office_id}/tickets", Tickets())
app.add_route("/api/v1/tickets/{token}", Ticket())
