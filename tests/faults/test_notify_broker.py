"""The notification sender needs no broker: with RabbitMQ stopped (a private
node), messages already written are delivered; after it returns, new changes
are notified again; each id acknowledged once."""
import collections

from tests.faults.conftest import MongoServer, PrivateRabbit, Stack, act, boot
from tests.notify_receiver import Receiver
from tests.support import free_port, http

SECRET = "fault-test-webhook-secret-of-32-bytes"


def issue_and_subscribe(stack, phone):
    status, _, ticket = http("POST", f"{stack.url}/api/v1/offices/33.71.02/tickets", {"service": "KTP"})
    assert status == 201, ticket
    status, _, sub = http("POST", f"{stack.url}/api/v1/tickets/{ticket['token']}/subscriptions",
                          {"phone": phone, "ahead": 0})
    assert status == 201, sub
    return ticket


def test_notifications_flow_while_the_broker_is_down_and_after_it_returns(logs_dir):
    port = free_port()
    env = {"NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "NOTIFY_WEBHOOK_SECRET": SECRET,
           "NOTIFY_POLL_SECONDS": "0.5"}
    rabbit = PrivateRabbit().start()
    mongo = MongoServer().start()
    stack = Stack(rabbit.uri, mongo, logs_dir, extra_env=env)
    receiver = None
    try:
        clerk = boot(stack)
        first = issue_and_subscribe(stack, "0813-2000-0001")
        second = issue_and_subscribe(stack, "0813-2000-0002")
        status, _, called = act(stack, clerk, "2", "call_next")
        assert status == 200 and called["ticket"]["number"] == first["number"], called
        rabbit.stop()
        # The provider comes up only now: nothing can have been delivered before the outage.
        receiver = Receiver(port, SECRET).start()
        for event, number in (("turn_near", first["number"]), ("called", first["number"]),
                              ("turn_near", second["number"])):
            receiver.wait_for(lambda m: m["event"] == event and m["number"] == number, timeout=60)
        rabbit.start()
        stack.wait_ready(timeout=60)
        assert act(stack, clerk, "2", "complete")[0] == 200
        status, _, called = act(stack, clerk, "2", "call_next")
        assert status == 200 and called["ticket"]["number"] == second["number"], called
        receiver.wait_for(lambda m: m["event"] == "called" and m["number"] == second["number"], timeout=60)
        acked = collections.Counter(receiver.acked_ids())
        assert len(acked) == 4 and set(acked.values()) == {1}, acked
        assert receiver.rejected == []
    finally:
        if receiver is not None:
            receiver.close()
        stack.stop_all()
        mongo.close()
        rabbit.close()
