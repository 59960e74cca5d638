"""Follow-up services: links in scope, contact/deal belong to the customer, the next follow-up, the
customer's follow-up times, rescheduling with the version, completing, check-in, reminders once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from opensales.activities import services
from opensales.activities.models import FollowUp
from opensales.audit.models import AuditEvent
from opensales.core.versioning import StaleEdit
from opensales.notifications.models import Notification

from . import factories as f

pytestmark = pytest.mark.django_db


def _all():
    return FollowUp.objects.unscoped(reason="test")


def _customer_row(customer):
    from opensales.customers.models import Customer

    return Customer.objects.unscoped(reason="test").get(pk=customer.pk)


def test_log_with_next_follow_up_creates_a_planned_one_and_updates_the_customer(cast):
    rep = cast["rep_sh1"]
    customer = f.customer(rep)
    contact = f.contact(customer)
    at = timezone.now() - timedelta(hours=1)
    next_at = timezone.now() + timedelta(days=2)
    fu = services.log_follow_up(
        actor=rep,
        kind="visit",
        subject="上门拜访",
        at=at,
        customer=customer,
        contact=contact,
        outcome="达成意向",
        next_follow_up_at=next_at,
    )
    assert fu.status == "done" and fu.owner == rep and fu.contact == contact
    planned = _all().get(status="planned")
    assert planned.at == next_at
    assert planned.customer == customer and planned.contact == contact and planned.owner == rep
    assert planned.subject == "跟进：上海云帆科技有限公司"
    row = _customer_row(customer)
    assert row.last_follow_up_at == at
    assert row.next_follow_up_at == next_at
    assert AuditEvent.objects.filter(action="follow_up.create", object_id=str(fu.pk)).count() == 1


def test_contact_brings_its_customer_and_must_belong_to_it(cast):
    rep = cast["rep_sh1"]
    customer, other = f.customer(rep), f.customer(rep, "北京星河网络")
    contact = f.contact(other)
    fu = services.log_follow_up(actor=rep, kind="call", subject="电话", at=timezone.now(), contact=contact)
    assert fu.customer == other
    with pytest.raises(ValidationError) as exc:
        services.log_follow_up(
            actor=rep, kind="call", subject="电话", at=timezone.now(), customer=customer, contact=contact
        )
    assert "contact" in exc.value.error_dict


def test_opportunity_must_belong_to_the_customer(cast):
    rep = cast["rep_sh1"]
    customer, other = f.customer(rep), f.customer(rep, "北京星河网络")
    deal = f.opportunity(other, rep)
    with pytest.raises(ValidationError) as exc:
        services.log_follow_up(
            actor=rep, kind="call", subject="电话", at=timezone.now(), customer=customer, opportunity=deal
        )
    assert set(exc.value.error_dict) == {"opportunity"}


def test_linked_records_must_be_visible_to_the_actor(cast):
    theirs = f.customer(cast["rep_gz1"], "广州恒达")
    with pytest.raises(ValidationError) as exc:
        services.log_follow_up(
            actor=cast["rep_sh1"], kind="call", subject="电话", at=timezone.now(), customer=theirs
        )
    assert "customer" in exc.value.error_dict
    assert not _all().exists()
    lead = f.lead(cast["rep_sh2"])
    with pytest.raises(ValidationError):
        services.log_follow_up(
            actor=cast["rep_sh1"], kind="call", subject="电话", at=timezone.now(), lead=lead
        )


def test_done_follow_up_updates_deal_and_lead_but_never_backwards(cast):
    rep = cast["rep_sh1"]
    customer = f.customer(rep)
    deal, lead = f.opportunity(customer, rep), f.lead(rep)
    recent = timezone.now() - timedelta(hours=1)
    services.log_follow_up(
        actor=rep, kind="call", subject="a", at=recent, customer=customer, opportunity=deal
    )
    services.log_follow_up(actor=rep, kind="call", subject="b", at=recent, lead=lead)
    services.log_follow_up(
        actor=rep,
        kind="call",
        subject="c",
        at=recent - timedelta(days=3),
        customer=customer,
        opportunity=deal,
    )
    deal.refresh_from_db()
    lead.refresh_from_db()
    assert deal.last_follow_up_at == recent
    assert lead.last_follow_up_at == recent
    assert _customer_row(customer).last_follow_up_at == recent


@pytest.mark.parametrize(
    ("field", "value"),
    [("subject", "  "), ("kind", "fax"), ("duration_minutes", 5000)],
)
def test_bad_input_is_a_field_error(cast, field, value):
    kwargs = {"actor": cast["rep_sh1"], "kind": "call", "subject": "电话", "at": timezone.now(), field: value}
    with pytest.raises(ValidationError) as exc:
        services.log_follow_up(**kwargs)
    assert field in exc.value.error_dict


def test_next_follow_up_must_be_later(cast):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        services.log_follow_up(
            actor=cast["rep_sh1"],
            kind="call",
            subject="x",
            at=now,
            next_follow_up_at=now - timedelta(hours=1),
        )
    assert "next_follow_up_at" in exc.value.error_dict


def test_reschedule_needs_the_current_version_and_resets_the_reminder(cast):
    rep = cast["rep_sh1"]
    fu = f.planned(rep)
    _all().filter(pk=fu.pk).update(reminded_at=timezone.now())
    new_at = timezone.now() + timedelta(days=1)
    moved = services.reschedule(actor=rep, follow_up=fu, at=new_at, expected_version=1)
    assert moved.at == new_at and moved.version == 2 and moved.reminded_at is None
    with pytest.raises(StaleEdit):
        services.reschedule(actor=rep, follow_up=fu, at=new_at + timedelta(hours=1), expected_version=1)
    assert _all().get(pk=fu.pk).at == new_at


def test_only_planned_follow_ups_move(cast):
    fu = f.done(cast["rep_sh1"])
    with pytest.raises(ValidationError):
        services.reschedule(actor=cast["rep_sh1"], follow_up=fu, at=timezone.now(), expected_version=1)


def test_complete_makes_it_done_and_moves_the_customer(cast):
    rep = cast["rep_sh1"]
    customer = f.customer(rep)
    fu = f.planned(rep, customer=customer)
    assert _customer_row(customer).next_follow_up_at == fu.at
    done = services.complete(actor=rep, follow_up=fu, outcome="已发送报价", expected_version=1)
    assert done.status == "done" and done.outcome == "已发送报价"
    row = _customer_row(customer)
    assert row.last_follow_up_at == done.at
    assert row.next_follow_up_at is None
    with pytest.raises(ValidationError):
        services.complete(actor=rep, follow_up=done, outcome="again")


def test_update_checks_version_and_links(cast):
    rep = cast["rep_sh1"]
    fu = f.done(rep)
    saved = services.update(actor=rep, follow_up=fu, expected_version=1, subject="改过的主题")
    assert saved.subject == "改过的主题" and saved.version == 2
    with pytest.raises(StaleEdit):
        services.update(actor=rep, follow_up=fu, expected_version=1, subject="旧版本")
    theirs = f.customer(cast["rep_gz1"], "广州恒达")
    with pytest.raises(ValidationError):
        services.update(actor=rep, follow_up=fu, expected_version=2, customer=theirs)


def test_delete_goes_to_the_recycle_bin_and_clears_the_next_follow_up(cast):
    rep = cast["rep_sh1"]
    customer = f.customer(rep)
    fu = f.planned(rep, customer=customer)
    services.delete(actor=rep, follow_up=fu)
    assert not _all().filter(pk=fu.pk).exists()
    assert _all().with_deleted().filter(pk=fu.pk).exists()
    assert _customer_row(customer).next_follow_up_at is None


def test_check_in_validates_coordinates(cast):
    rep = cast["rep_sh1"]
    fu = f.done(rep)
    with pytest.raises(ValidationError) as exc:
        services.check_in(actor=rep, follow_up=fu, latitude="91", longitude="121.4")
    assert "latitude" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.check_in(actor=rep, follow_up=fu, latitude="31.2", longitude="-181")
    assert "longitude" in exc.value.error_dict
    with pytest.raises(ValidationError):
        services.check_in(actor=rep, follow_up=fu)  # neither a position nor an address
    saved = services.check_in(
        actor=rep, follow_up=fu, latitude="31.230416", longitude="121.473701", address="张江"
    )
    assert saved.checkin_latitude == Decimal("31.230416") and saved.checkin_address == "张江"
    assert saved.checkin_at is not None


def test_check_in_only_on_visits(cast):
    rep = cast["rep_sh1"]
    call = f.planned(rep)
    with pytest.raises(ValidationError):
        services.check_in(actor=rep, follow_up=call, address="某地")
    with pytest.raises(ValidationError):
        services.log_follow_up(
            actor=rep, kind="call", subject="x", at=timezone.now(), checkin={"address": "某地"}
        )


def test_check_in_photo_becomes_an_attachment(cast, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opensales.attachments.models import Attachment

    settings.MEDIA_ROOT = str(tmp_path)
    rep = cast["rep_sh1"]
    fu = f.done(rep)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    photo = SimpleUploadedFile("门头.png", png, content_type="image/png")
    services.check_in(actor=rep, follow_up=fu, address="张江路1号", photo=photo)
    attachment = Attachment.objects.get(object_id=fu.pk)
    assert attachment.mime_type == "image/png"
    text = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    with pytest.raises(ValidationError) as exc:
        services.check_in(actor=rep, follow_up=fu, address="张江路1号", photo=text)
    assert "photo" in exc.value.error_dict


def test_reminders_are_sent_once_for_follow_ups_due_within_15_minutes(cast):
    rep = cast["rep_sh1"]
    now = timezone.now()
    due = f.planned(rep, at=now + timedelta(minutes=10), subject="十分钟后")
    f.planned(rep, at=now + timedelta(minutes=40), subject="还早")
    assert services.send_due_reminders(now) == 1
    assert services.send_due_reminders(now) == 0
    notes = Notification.objects.filter(recipient=rep, kind="reminder")
    assert notes.count() == 1
    assert f"/activities/{due.pk}/" == notes.get().url
    assert _all().get(pk=due.pk).reminded_at == now
    # Rescheduled: reminded again at the new time.
    services.reschedule(actor=rep, follow_up=due, at=now + timedelta(hours=3), expected_version=1)
    assert services.send_due_reminders(now + timedelta(hours=2, minutes=50)) == 1


def test_reminder_job_task_runs(cast):
    from opensales.activities.tasks import send_reminders

    f.planned(cast["rep_sh1"], at=timezone.now() + timedelta(minutes=5))
    assert send_reminders.call_local() == 1
