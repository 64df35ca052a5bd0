"""Rotating SENJA_SECRET (deploy/k8s/README.md, "Rotating SENJA_SECRET"): staff
tokens signed with the old secret end; permits already printed keep verifying
and applicants' secrets keep working through SENJA_PREVIOUS_SECRETS, which
signs nothing new. The permits service against the security stack's database."""
import datetime as dt
import uuid

import pytest
from nameko.testing.services import worker_factory
from pymongo import MongoClient

from gateway.auth import TokenSigner
from services.common import config
from services.permits import domain
from services.permits.service import PermitsService
from services.permits.storage import PermitStore

OLD, NEW = "o" * 40, "n" * 40


@pytest.fixture(scope="module")
def store(stack):
    client = MongoClient(stack.mongo.uri)
    yield PermitStore(client[f"senja_rotation_{uuid.uuid4().hex[:8]}"])
    client.close()


def permits(store, secret, previous=()):
    settings = config.from_env({"SENJA_SECRET": secret,
                                "SENJA_PREVIOUS_SECRETS": ",".join(previous)})
    return worker_factory(PermitsService, config=config.nameko_config(settings), store=store)


@pytest.fixture(scope="module")
def issued(store):
    number = f"337102-IUMK-2026-{uuid.uuid4().int % 100000:05d}"
    permit = {"_id": f"IUMK-2612-{uuid.uuid4().hex[:8].upper()}", "permit_number": number,
              "status": "issued", "permit_type": "IUMK", "office_id": "33.71.02",
              "applicant": {"name": "Siti Rahayu"}, "business": {"name": "Warung Siti"},
              "issued_date": dt.date(2026, 12, 3).isoformat()}
    store.insert(permit)
    return permit


def test_printed_permits_keep_verifying_after_a_rotation(store, issued):
    code = domain.verification_code(OLD, issued["permit_number"])
    assert permits(store, OLD).verify(issued["permit_number"], code)["genuine"]
    assert not permits(store, NEW).verify(issued["permit_number"], code)["genuine"]
    assert permits(store, NEW, [OLD]).verify(issued["permit_number"], code)["genuine"]
    assert not permits(store, NEW, [OLD]).verify(issued["permit_number"], "A" * 16)["genuine"]


def test_applicant_secrets_keep_working_and_new_ones_use_the_new_secret(store, issued):
    before = permits(store, OLD)._applicant_secret(issued)
    rotated = permits(store, NEW, [OLD])
    assert rotated._is_applicant(issued, before)
    assert not permits(store, NEW)._is_applicant(issued, before)
    assert rotated._applicant_secret(issued) != before  # what it hands out now


def test_staff_tokens_signed_with_the_old_secret_end():
    token, _ = TokenSigner(OLD).issue({"username": "admin", "role": "admin", "office_ids": []})
    assert TokenSigner(OLD).verify(token) and TokenSigner(NEW).verify(token) is None
