import pytest
from django.db import DatabaseError, connection, transaction

from opensales.audit.guard import audit_unlocked
from opensales.audit.models import AuditChainHead, AuditEvent
from opensales.audit.services import masked_changes, record, verify_chain
from opensales.org import services
from opensales.org.models import Department

pytestmark = pytest.mark.django_db


def test_service_writes_audit_with_masked_personal_data(cast, departments):
    employee = services.employee_create(
        actor=cast["admin"],
        username="newbie",
        full_name="新人",
        department=departments["SH"],
        mobile="13812345678",
    )
    event = AuditEvent.objects.filter(action="employee.create").latest("id")
    assert event.actor_username == "admin"
    assert event.actor_roles == ["administrator"]
    assert event.object_id == str(employee.pk)
    assert event.changes["mobile"] == "138****5678"
    assert event.changes["department"] == departments["SH"].pk


def test_failing_audit_write_rolls_back_the_change(cast, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        services.department_create(actor=cast["admin"], name="不应存在")
    assert not Department.objects.unscoped(reason="test").filter(name="不应存在").exists()


def test_masked_changes_masks_old_and_new():
    assert masked_changes(
        {"mobile": ["13800000000", "13912345678"], "title": ["a", "b"]}, {"mobile": "phone"}
    ) == {
        "mobile": ["138****0000", "139****5678"],
        "title": ["a", "b"],
    }


def _raw(sql, params=()):
    """Tamper as someone with direct database access who got past the triggers would."""
    with audit_unlocked(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_update_and_delete(db):
    event = record(action="test.event", object_type="test", object_id=1)
    for sql in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgres_refuses_truncate(db):
    record(action="test.event", object_type="test", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 1


def test_missing_chain_head_is_detected(db):
    record(action="test.event", object_type="test", object_id=1)
    AuditChainHead.objects.all().delete()
    assert verify_chain().ok is False


def test_chain_verifies_and_detects_tampering(db):
    for i in range(4):
        record(action="test.event", object_type="test", object_id=i)
    result = verify_chain()
    assert (result.ok, result.checked) == (True, 4)
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))

    _raw("UPDATE audit_auditevent SET action = 'test.edited' WHERE id = %s", [ids[1]])
    result = verify_chain()
    assert (result.ok, result.event_id) == (False, ids[1])
    _raw("UPDATE audit_auditevent SET action = 'test.event' WHERE id = %s", [ids[1]])
    assert verify_chain().ok

    _raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[2]])
    result = verify_chain()
    assert (result.ok, result.event_id) == (False, ids[3])


def test_chain_detects_removed_tail(db):
    for i in range(3):
        record(action="test.event", object_type="test", object_id=i)
    last = AuditEvent.objects.order_by("-id").first()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    assert verify_chain().ok is False


def test_chain_detects_reordering(db):
    for i in range(3):
        record(action=f"test.event{i}", object_type="test", object_id=i)
    a, b = AuditEvent.objects.order_by("id")[:2]
    # Swap two whole rows (every column but the id): each row is intact, their order is not.
    sql = "UPDATE audit_auditevent SET action=%s, object_id=%s, prev_hash=%s, hash=%s WHERE id=%s"
    _raw(sql, [a.action, a.object_id, a.prev_hash, "parked", a.pk])
    _raw(sql, [a.action, a.object_id, a.prev_hash, a.hash, b.pk])
    _raw(sql, [b.action, b.object_id, b.prev_hash, b.hash, a.pk])
    result = verify_chain()
    assert (result.ok, result.event_id) == (False, a.pk)


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_flush_the_database():
    # The teardown of this test empties every table, the audit log included, through our `flush`.
    record(action="test.event", object_type="test", object_id=1)
    assert AuditEvent.objects.count() == 1


def test_verify_command_reports_ok_and_failure(db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    record(action="test.event", object_type="test", object_id=1)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    # The verify run itself is audited, so two events now.
    assert out.getvalue().strip() == "Audit log verified: 1 events, chain intact."
    first = AuditEvent.objects.order_by("id").first()
    _raw("UPDATE audit_auditevent SET object_id = '2' WHERE id = %s", [first.pk])
    with pytest.raises(CommandError, match=f"at event {first.pk}: row content does not match its hash"):
        call_command("audit", "verify", stdout=StringIO())
