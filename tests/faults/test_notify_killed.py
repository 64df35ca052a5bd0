"""The queue service (and with it the notification sender) SIGKILLed between a
change and its notification, then again while the sender's post is in
flight: the message still arrives after each restart, with the same id, and
is acknowledged once."""
import collections
import time

from tests.faults.conftest import MongoServer, Stack, act, boot, vhost
from tests.notify_receiver import Receiver
from tests.support import free_port, http

SECRET = "fault-test-webhook-secret-of-32-bytes"


def test_a_notification_survives_the_sender_killed_before_and_during_its_post(logs_dir):
    port = free_port()
    env = {"NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "NOTIFY_WEBHOOK_SECRET": SECRET,
           "NOTIFY_POLL_SECONDS": "0.5"}
    with vhost() as amqp_uri:
        mongo = MongoServer().start()
        stack = Stack(amqp_uri, mongo, logs_dir, extra_env=env)
        receiver = None
        try:
            clerk = boot(stack)
            status, _, ticket = http("POST", f"{stack.url}/api/v1/offices/33.71.02/tickets", {"service": "KTP"})
            assert status == 201, ticket
            status, _, sub = http("POST", f"{stack.url}/api/v1/tickets/{ticket['token']}/subscriptions",
                                  {"phone": "0813-1111-2222", "ahead": 0})
            assert status == 201, sub
            # The change: the clerk calls the ticket. Nothing listens at the webhook yet,
            # so whatever the sender did before the kill, nothing was delivered.
            status, _, called = act(stack, clerk, "1", "call_next")
            assert status == 200 and called["ticket"]["number"] == ticket["number"], called
            changed_at = time.monotonic()
            stack.kill("queue")

            receiver = Receiver(port, SECRET, hold_first=4.0).start()
            stack.start("queue")
            # The restarted sender posts; the receiver holds that first post: kill it mid-way.
            assert receiver.in_flight.wait(60), "the restarted sender never posted"
            stack.kill("queue")
            stack.start("queue")
            stack.wait_ready()

            message = receiver.wait_for(lambda m: m["event"] == "called", timeout=60)[0]
            delivered_at = time.monotonic()
            receiver.wait_for(lambda m: m["event"] == "turn_near", timeout=60)
            assert message["number"] == ticket["number"] and message["phone"] == "+6281311112222"
            assert message["id"].startswith("called-")
            time.sleep(2)  # a duplicate would come within the sender's next ticks
            acked = collections.Counter(receiver.acked_ids())
            assert set(acked.values()) == {1} and len(acked) == 2, acked
            assert receiver.attempts[message["id"]] >= 2 and receiver.rejected == []
            print(f"called delivered {delivered_at - changed_at:.1f} s after the change, "
                  f"through 2 kills; attempts per id {receiver.attempts}")
        finally:
            if receiver is not None:
                receiver.close()
            stack.stop_all()
            mongo.close()
