"""The baseline: one Falcon + pymongo process running the queue service's own
issuing workflow (services/queue/issuing.py, the same code, the same rules and
round trips) and status view, but no RPC hop and no events. Run under the
gateway's gunicorn settings:

    MONGO_URI=... BENCH_DB_PREFIX=bench_mono_ gunicorn -c gateway/gunicorn_conf.py bench.monolith:app
"""
import os

import falcon

from services.common.errors import ServiceError
from services.common.mongo import connect
from services.queue import issuing, views
from services.queue.context import Context
from services.queue.storage import QueueStore

_client = connect(os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"))
store = QueueStore(_client[os.environ.get("BENCH_DB_PREFIX", "bench_mono_") + "senja_queue"])
store.ensure_indexes()
ctx = Context(store=store, secret=os.environ.get("SENJA_SECRET", "bench"))


def _refused(req, resp, exc, params):
    resp.status = {"NotFound": falcon.HTTP_404, "Conflict": falcon.HTTP_409}.get(
        type(exc).__name__, falcon.HTTP_422)
    resp.media = {"detail": exc.detail}


class Tickets:
    def on_post(self, req, resp, office_id):
        resp.status = falcon.HTTP_201
        resp.media = issuing.issue_ticket(ctx, office_id, req.get_media(), actor="web")


class Ticket:
    def on_get(self, req, resp, token):
        resp.media = views.status_by_token(ctx, token)


app = falcon.App()
app.add_error_handler(ServiceError, _refused)
app.add_route("/api/v1/offices/{office_id}/tickets", Tickets())
app.add_route("/api/v1/tickets/{token}", Ticket())
