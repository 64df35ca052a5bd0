import pytest

from tests.support import free_port, running_stack

PASSWORD = "test-password-123"
STAFF = [("clerk.utara", "33.71.02", "clerk"), ("super.utara", "33.71.02", "supervisor"),
         ("super2.utara", "33.71.02", "supervisor"),  # signs what super.utara approved
         ("clerk.selatan", "33.71.01", "clerk"), ("clerk.jayapura", "91.71.01", "clerk"),
         ("super.jayapura", "91.71.01", "supervisor"), ("admin.denpasar", "51.71.01", "admin"),
         ("admin.kuta", "51.03.01", "admin"),
         ("admin.laweyan", "33.72.01", "admin"), ("clerk.laweyan", "33.72.01", "clerk"),  # test_booking
         ("clerk.tengah", "33.71.03", "clerk"), ("super.tengah", "33.71.03", "supervisor"),
         ("admin.serengan", "33.72.02", "admin")]  # test_notify's booking reminders


# Where test_notify.py's local provider webhook and push service listen (nothing
# else subscribes a phone or a browser, so other tests never reach it).
NOTIFY_PORT = free_port()
NOTIFY_SECRET = "stack-test-webhook-secret-of-32-bytes+"
NOTIFY_ENV = {"NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{NOTIFY_PORT}/hook",
              "NOTIFY_WEBHOOK_SECRET": NOTIFY_SECRET, "PUSH_SERVICE_HOSTS": "127.0.0.1",
              "NOTIFY_POLL_SECONDS": "0.3"}


@pytest.fixture(scope="session")
def stack():
    """The whole stack (nx-27017, three services, gateway) with test offices and staff."""
    with running_stack(STAFF, PASSWORD, extra_env=NOTIFY_ENV) as s:
        yield s


@pytest.fixture(scope="session")
def login(stack):
    """login(username) -> Authorization headers for that staff member."""
    from tests.support import http
    cache = {}

    def headers(username):
        if username not in cache:
            status, _, body = http("POST", f"{stack.url}/api/v1/auth/token",
                                   {"username": username, "password": PASSWORD})
            assert status == 200, body
            cache[username] = {"Authorization": f"Bearer {body['access_token']}"}
        return cache[username]
    return headers
