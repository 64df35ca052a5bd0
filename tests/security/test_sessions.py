"""Attacks on staff sessions: guessing passwords (throttled per username and per
address, then locked until an admin lifts it), reusing a token after logout or
after the account was disabled, deleted or given a new password (refused), weak
passwords (refused), cached staff responses (no-store), and a public history
that named the staff member (it shows the role)."""
import uuid

import pytest

from gateway.auth import HashingBusy, LoginThrottle, StaffStore
from tests.security.conftest import OFFICE, PASSWORD, bearer, client_ip
from tests.support import http


@pytest.fixture(scope="module")
def throttle(staff_store):
    return LoginThrottle(staff_store.staff.database)


def login(stack, username, password, n):
    return http("POST", f"{stack.url}/api/v1/auth/token", {"username": username, "password": password},
                headers={"X-Forwarded-For": client_ip(n)})


def me(stack, token):
    return http("GET", f"{stack.url}/api/v1/auth/me", headers=bearer(token))[0]


def account(staff_store, role="clerk"):
    username = f"s{uuid.uuid4().hex[:10]}"
    staff_store.create(username, PASSWORD, role, [OFFICE])
    return username


def test_logout_revokes_the_token_and_only_that_one(stack, staff_store):
    user = account(staff_store)
    first = login(stack, user, PASSWORD, 20)[2]["access_token"]
    second = login(stack, user, PASSWORD, 20)[2]["access_token"]
    assert me(stack, first) == 200
    status, _, _ = http("DELETE", f"{stack.url}/api/v1/auth/token", headers=bearer(first))
    assert status == 204
    assert me(stack, first) == 401
    assert me(stack, second) == 200
    assert http("DELETE", f"{stack.url}/api/v1/auth/token")[0] == 401


@pytest.mark.parametrize("change", ["set-password", "disable-staff", "delete-staff"])
def test_changing_an_account_ends_its_tokens(stack, staff_store, change):
    user = account(staff_store)
    token = login(stack, user, PASSWORD, 21)[2]["access_token"]
    assert me(stack, token) == 200
    done = stack.manage(change, "--username", user,
                        stdin="another-long-passphrase\n" if change == "set-password" else None)
    assert done.returncode == 0, done.stderr
    assert me(stack, token) == 401
    if change == "set-password":
        assert login(stack, user, "another-long-passphrase", 21)[0] == 200
    else:
        assert login(stack, user, PASSWORD, 21)[0] == 401


def test_guessing_a_password_is_slowed_down_then_locked(stack, staff_store, throttle):
    user = account(staff_store)
    free = LoginThrottle.FREE["user"]
    statuses = [login(stack, user, f"wrong-guess-{i}", 22)[0] for i in range(free)]
    assert statuses == [401] * free
    status, hdrs, problem = login(stack, user, PASSWORD, 22)  # even the right one must wait
    assert status == 429 and int(hdrs["Retry-After"]) >= 1, problem
    assert problem["reason"] == "login_throttled"
    # Further failures (as an attacker with patience would add) reach the lock.
    for _ in range(LoginThrottle.LIMITS["user"] - free):
        throttle.failed(user, client_ip(23))
    status, hdrs, _ = login(stack, user, PASSWORD, 24)  # another address: the account is locked
    assert status == 429 and int(hdrs["Retry-After"]) > LoginThrottle.MAX_DELAY
    done = stack.manage("unlock-staff", "--username", user)
    assert done.returncode == 0, done.stderr
    assert login(stack, user, PASSWORD, 24)[0] == 200


def test_one_address_guessing_many_usernames_is_locked(stack, staff_store, throttle):
    user = account(staff_store)
    for i in range(LoginThrottle.LIMITS["addr"]):
        throttle.failed(f"nobody{i}", client_ip(25))
    assert login(stack, user, PASSWORD, 25)[0] == 429
    assert login(stack, user, PASSWORD, 26)[0] == 200
    assert stack.manage("unlock-staff", "--address", client_ip(25)).returncode == 0
    assert login(stack, user, PASSWORD, 25)[0] == 200


def test_an_admin_lifts_a_lock_over_the_api_and_no_one_else_can(stack, staff_store, throttle):
    user = account(staff_store)
    for _ in range(LoginThrottle.LIMITS["user"]):
        throttle.failed(user, client_ip(27))
    assert login(stack, user, PASSWORD, 28)[0] == 429
    url = f"{stack.url}/api/v1/auth/locks?username={user}"
    supervisor = account(staff_store, "supervisor")
    boss = http("POST", f"{stack.url}/api/v1/auth/token", {"username": supervisor, "password": PASSWORD},
                headers={"X-Forwarded-For": client_ip(29)})[2]["access_token"]
    assert http("DELETE", url)[0] == 401
    assert http("DELETE", url, headers=bearer(boss))[0] == 403
    admin = account(staff_store, "admin")
    token = http("POST", f"{stack.url}/api/v1/auth/token", {"username": admin, "password": PASSWORD},
                 headers={"X-Forwarded-For": client_ip(29)})[2]["access_token"]
    status, hdrs, problem = http("DELETE", f"{stack.url}/api/v1/auth/locks", headers=bearer(token))
    assert status == 422 and problem["errors"][0]["field"] == "username", problem
    status, _, problem = http("DELETE", f"{stack.url}/api/v1/auth/locks?address=not-an-ip", headers=bearer(token))
    assert status == 422 and problem["errors"][0]["field"] == "address", problem
    status, hdrs, body = http("DELETE", url, headers=bearer(token))
    assert status == 200 and body == {"lifted": 1} and hdrs["Cache-Control"] == "no-store"
    assert login(stack, user, PASSWORD, 28)[0] == 200
    assert http("DELETE", url, headers=bearer(token))[2] == {"lifted": 0}


def test_password_hashing_is_bounded_per_worker(staff_store):
    store = StaffStore(staff_store.staff.database)
    assert store._hashing.acquire(timeout=1)  # a burst already fills the hashing slots
    try:
        with pytest.raises(HashingBusy):
            store.authenticate("clerk.sec", PASSWORD)
    finally:
        store._hashing.release()
    assert store.authenticate("clerk.sec", PASSWORD)["username"] == "clerk.sec"


@pytest.mark.parametrize("username,password,reason", [
    ("siti.rahayu", "short-pw1", "at least 12"),
    ("siti.rahayu", " " * 16, "whitespace"),
    ("siti.rahayu12", "siti.rahayu12", "username"),
    ("siti.rahayu", "password1234", "common"),
    ("siti.rahayu", "qwertyuiop123", "common"),
    ("Siti Rahayu", "a-long-enough-passphrase", "username must be"),
    ("../etc", "a-long-enough-passphrase", "username must be"),
])
def test_weak_passwords_and_bad_usernames_are_refused(stack, username, password, reason):
    done = stack.manage("create-staff", "--username", username, "--office", OFFICE, "--role", "clerk",
                        stdin=password + "\n")
    assert done.returncode != 0 and reason in done.stderr, done.stderr


def test_a_bad_office_id_is_refused(stack):
    done = stack.manage("create-staff", "--username", "siti.rahayu", "--office", "33.71.02';--",
                        "--role", "clerk", stdin="a-long-enough-passphrase\n")
    assert done.returncode != 0 and "office ids" in done.stderr


def test_staff_responses_are_not_cached(stack, token):
    status, hdrs, _ = login(stack, "clerk.sec", PASSWORD, 27)
    assert status == 200 and hdrs["Cache-Control"] == "no-store"
    status, hdrs, _ = http("GET", f"{stack.url}/api/v1/auth/me", headers=bearer(token("clerk")))
    assert status == 200 and hdrs["Cache-Control"] == "no-store"
    status, hdrs, _ = http("GET", f"{stack.url}/api/v1/permits?office_id={OFFICE}",
                           headers=bearer(token("clerk")))
    assert status == 200 and hdrs["Cache-Control"] == "no-store"


def test_a_public_facility_history_shows_the_role_not_the_username(stack, token):
    status, _, _ = http("PATCH", f"{stack.url}/api/v1/facilities/mgu-ramp-main",
                        {"status": "under_maintenance", "reason": "diperbaiki"},
                        headers=bearer(token("supervisor", username="super.named")))
    assert status == 200
    status, _, history = http("GET", f"{stack.url}/api/v1/facilities/mgu-ramp-main/history")
    assert status == 200 and history[-1]["actor"] == "staff:supervisor"
    assert "super.named" not in str(history)
    facility = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/accessibility")[2]
    assert "super.named" not in str(facility)
