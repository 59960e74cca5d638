"""Requests to join a customer as collaborator: ask, accept, decline; pages, API, scope, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from opensales.audit.models import AuditEvent
from opensales.core.actions import Action
from opensales.core.models import Collaborator
from opensales.customers import collaboration, services
from opensales.customers.models import CollaborationRequest, Customer
from opensales.notifications.models import Notification

from .factories import make_customer, make_pool_customer

pytestmark = pytest.mark.django_db


def _ask(cast, message="我们在跟同一个项目"):
    customer = make_customer(cast["rep_sh2"], name="上海恒达贸易")
    assert services.request_collaboration(actor=cast["rep_sh1"], customer=customer, message=message)
    return customer, CollaborationRequest.objects.get(customer=customer)


def test_asking_makes_one_pending_request_and_notifies_the_owner(cast):
    customer, row = _ask(cast)
    assert (
        row.status == "pending" and row.requester == cast["rep_sh1"] and row.message == "我们在跟同一个项目"
    )
    # Asking again keeps one pending request.
    services.request_collaboration(actor=cast["rep_sh1"], customer=customer, message="再问一次")
    assert CollaborationRequest.objects.filter(customer=customer).count() == 1
    assert CollaborationRequest.objects.get(pk=row.pk).message == "再问一次"
    assert Notification.objects.filter(recipient=cast["rep_sh2"], kind="collaboration_request").exists()
    assert AuditEvent.objects.filter(
        action="customer.collaboration_request", object_id=str(customer.pk)
    ).exists()


def test_no_request_for_a_pool_customer_or_ones_own(cast):
    assert not services.request_collaboration(actor=cast["rep_sh1"], customer=make_pool_customer())
    own = make_customer(cast["rep_sh1"])
    assert not services.request_collaboration(actor=cast["rep_sh1"], customer=own)
    assert not CollaborationRequest.objects.exists()


def test_accept_shares_the_customer_audits_and_notifies(cast):
    customer, row = _ask(cast)
    assert not Customer.objects.visible_to(cast["rep_sh1"]).filter(pk=customer.pk).exists()
    collaboration.accept(actor=cast["rep_sh2"], request=row, level="edit")
    row.refresh_from_db()
    assert row.status == "accepted" and row.decided_by == cast["rep_sh2"] and row.decided_at
    assert Collaborator.objects.get(object_id=customer.pk, user=cast["rep_sh1"]).level == "edit"
    assert Customer.objects.visible_to(cast["rep_sh1"], Action.CHANGE).filter(pk=customer.pk).exists()
    assert Notification.objects.filter(recipient=cast["rep_sh1"], kind="collaboration_decision").exists()
    event = AuditEvent.objects.get(action="customer.collaboration_accept")
    assert event.object_id == str(customer.pk) and event.changes["user"] == cast["rep_sh1"].pk
    with pytest.raises(ValidationError):
        collaboration.decline(actor=cast["rep_sh2"], request=row)


def test_decline_and_a_bad_level(cast):
    customer, row = _ask(cast)
    with pytest.raises(ValidationError):
        collaboration.accept(actor=cast["rep_sh2"], request=row, level="owner")
    collaboration.decline(actor=cast["rep_sh2"], request=row, reason="这个客户由我负责")
    row.refresh_from_db()
    assert row.status == "declined"
    assert not Collaborator.objects.filter(object_id=customer.pk, user=cast["rep_sh1"]).exists()
    note = Notification.objects.get(recipient=cast["rep_sh1"], kind="collaboration_decision")
    assert "这个客户由我负责" in note.body
    # A declined request does not stop asking again later.
    services.request_collaboration(actor=cast["rep_sh1"], customer=customer)
    assert CollaborationRequest.objects.filter(customer=customer, status="pending").count() == 1


def test_foreign_users_cannot_answer(cast):
    customer, row = _ask(cast)
    for name in ("rep_gz1", "rep_sh1", "finance"):
        with pytest.raises(Http404):
            collaboration.accept(actor=cast[name], request=row)
    # The manager of the owner's department may answer.
    collaboration.accept(actor=cast["manager_east"], request=row)


def test_customer_page_shows_pending_requests_to_the_owner_only(cast, login):
    customer, row = _ask(cast)
    url = f"/customers/{customer.pk}/"
    html = login(cast["rep_sh2"]).get(url).content.decode()
    assert 'data-testid="collaboration-request"' in html and "张伟" in html
    assert 'data-testid="collaboration-requests"' not in login(cast["finance"]).get(url).content.decode()
    # A foreign rep: 404 on the page and on the buttons.
    foreign = login(cast["rep_gz1"])
    assert (
        foreign.post(f"/customers/{customer.pk}/collaboration-requests/{row.pk}/accept/").status_code == 404
    )
    # The owner accepts with the page's form.
    response = login(cast["rep_sh2"]).post(
        f"/customers/{customer.pk}/collaboration-requests/{row.pk}/accept/", {"level": "read"}
    )
    assert response.status_code == 302
    assert Collaborator.objects.get(object_id=customer.pk, user=cast["rep_sh1"]).level == "read"
    html = login(cast["rep_sh2"]).get(url).content.decode()
    assert 'data-testid="collaboration-request"' not in html
    assert login(cast["rep_sh1"]).get(url).status_code == 200


def test_api_list_accept_decline(cast, login):
    customer, row = _ask(cast)
    base = f"/api/v1/customers/{customer.pk}/collaboration-requests"
    owner = login(cast["rep_sh2"])
    listed = owner.get(base).json()
    assert [r["id"] for r in listed] == [row.pk] and listed[0]["requester_name"]
    assert login(cast["rep_gz1"]).get(base).status_code == 404
    assert login(cast["finance"]).get(base).status_code == 403
    r = login(cast["rep_gz1"]).post(f"{base}/{row.pk}/accept", {}, content_type="application/json")
    assert r.status_code == 404
    r = owner.post(f"{base}/{row.pk}/accept", {"level": "boss"}, content_type="application/json")
    assert r.status_code == 422
    r = owner.post(f"{base}/{row.pk}/decline", {"reason": "不需要"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "declined"
    r = owner.post(f"{base}/{row.pk}/accept", {}, content_type="application/json")
    assert r.status_code == 422
    assert owner.get(base).json() == []
