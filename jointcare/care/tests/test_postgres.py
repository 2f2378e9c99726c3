"""Claiming under concurrency, on PostgreSQL: of eight workers claiming one referral at once, exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from jointcare.audit.models import AuditEntry
from jointcare.care import services
from jointcare.care.models import Referral, ReferralEvent
from jointcare.errors import Conflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 8


@pytest.mark.parametrize("attempt", range(3))
def test_eight_workers_claim_one_referral_exactly_one_succeeds(care, referral, user_factory, attempt):
    workers = [user_factory(f"w{attempt}-{i}", roles=["social_worker"], organisation=care.council) for i in range(WORKERS)]
    for worker in workers:
        services.add_member(None, care.reablement, worker)
    barrier = threading.Barrier(WORKERS)
    won, refused, errors = [], [], []

    def claim(worker):
        try:
            barrier.wait()
            services.claim_referral(worker, referral.pk)
            won.append(worker.username)
        except Conflict:
            refused.append(worker.username)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(won) == 1 and len(refused) == WORKERS - 1
    row = Referral.objects.get(pk=referral.pk)
    assert (row.status, row.claimed_by.username) == ("claimed", won[0])
    assert ReferralEvent.objects.filter(referral=referral, action="claim").count() == 1
    assert AuditEntry.objects.filter(action="care.referral.claim", object_id=str(referral.pk)).count() == 1


def test_two_transitions_at_once_are_taken_one_after_the_other(care, referral):
    services.claim_referral(care.users["rita"], referral.pk)
    services.act_on_referral(care.users["rita"], referral.pk, "contact")
    barrier = threading.Barrier(2)
    results = []

    def close(user):
        try:
            barrier.wait()
            services.act_on_referral(user, referral.pk, "close", outcome="progress_reablement")
            results.append("closed")
        except Conflict:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close, args=(care.users[n],)) for n in ("rita", "ravi")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["closed", "conflict"]
    assert ReferralEvent.objects.filter(referral=referral, action="close").count() == 1
