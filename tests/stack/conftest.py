import pytest

from tests.support import running_stack

PASSWORD = "test-password-123"
STAFF = [("clerk.utara", "33.71.02", "clerk"), ("super.utara", "33.71.02", "supervisor"),
         ("super2.utara", "33.71.02", "supervisor"),  # signs what super.utara approved
         ("clerk.selatan", "33.71.01", "clerk"), ("clerk.jayapura", "91.71.01", "clerk"),
         ("super.jayapura", "91.71.01", "supervisor"), ("admin.denpasar", "51.71.01", "admin"),
         ("admin.kuta", "51.03.01", "admin"),
         ("admin.laweyan", "33.72.01", "admin"), ("clerk.laweyan", "33.72.01", "clerk"),  # test_booking
         ("clerk.tengah", "33.71.03", "clerk"), ("super.tengah", "33.71.03", "supervisor")]


@pytest.fixture(scope="session")
def stack():
    """The whole stack (nx-27017, three services, gateway) with test offices and staff."""
    with running_stack(STAFF, PASSWORD) as s:
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
