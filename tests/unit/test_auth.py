import time

from gateway.auth import TokenSigner

STAFF = {"username": "clerk.utara", "role": "clerk", "office_ids": ["33.71.02"]}


def test_token_round_trip_and_claims():
    signer = TokenSigner("s3cret")
    token, claims = signer.issue(STAFF)
    got = signer.verify(token)
    assert got["sub"] == "clerk.utara" and got["offices"] == ["33.71.02"] and got["role"] == "clerk"


def test_tampered_wrong_key_and_expired_tokens_are_refused():
    signer = TokenSigner("s3cret", lifetime=60)
    token, _ = signer.issue(STAFF)
    payload, sig = token.split(".")
    forged_payload = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    assert signer.verify(f"{forged_payload}.{sig}") is None
    assert TokenSigner("other").verify(token) is None
    assert signer.verify(token, now=time.time() + 61) is None
    for junk in ("", "abc", "a.b.c", None):
        assert signer.verify(junk) is None
