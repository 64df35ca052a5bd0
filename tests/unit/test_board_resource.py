"""GET /offices/{id}/board: from the read model with ETag/304; the service only
while the model cannot answer."""
import falcon
import falcon.testing

from gateway.clients import errors as client_errors
from gateway.errors import install
from gateway.readmodel import TicketReadModel
from gateway.resources.counters import Board
from tests.unit.test_readmodel import BASIS, NOW, ticket


class Queue:
    def __init__(self, answer):
        self.answer, self.calls = answer, 0

    def board(self, office_id):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def client(model, queue):
    app = falcon.App()
    install(app)
    app.add_route("/offices/{office_id}/board", Board(model, queue))
    return falcon.testing.TestClient(app)


def test_board_polls_are_answered_from_the_read_model_with_etag_and_304():
    model = TicketReadModel(clock=NOW.timestamp)
    model.reset({"tickets": [ticket(1)], "offices": {"33.71.02": "Asia/Jakarta"}, "boards": {"33.71.02": BASIS}})
    queue = Queue(AssertionError("no RPC on a board poll"))
    app = client(model, queue)
    first = app.simulate_get("/offices/33.71.02/board")
    assert first.status_code == 200 and first.json["waiting"][0]["waiting"] == 1
    again = app.simulate_get("/offices/33.71.02/board", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and queue.calls == 0


def test_unsynced_model_asks_the_service_and_unknown_offices_are_404():
    board = {"office_id": "33.71.02", "name": "Magelang Utara", "generated_at": "x", "open_now": True,
             "calls": [], "waiting": [], "counters": [], "notices": []}
    app = client(TicketReadModel(), Queue(board))
    answer = app.simulate_get("/offices/33.71.02/board")
    assert answer.status_code == 200 and answer.json["name"] == "Magelang Utara" and answer.headers["etag"]
    missing = client(TicketReadModel(), Queue(client_errors.NotFound("Unknown office 99.99.99")))
    problem = missing.simulate_get("/offices/99.99.99/board")
    assert problem.status_code == 404 and problem.json["detail"] == "Unknown office 99.99.99"
