import pytest
from django.urls import reverse

from opensales.audit.models import AuditEvent
from opensales.audit.services import record
from opensales.org.models import Employee
from tests.matrix import row_ids

pytestmark = pytest.mark.django_db


def test_auditor_filters_and_reading_is_audited(cast, login):
    record(action="employee.update", actor=cast["admin"], object_type="org.employee", object_id=7)
    record(action="auth.login", actor=cast["rep_sh1"])
    client = login(cast["auditor"])
    response = client.get(reverse("audit:event_list"), {"actor": "admin", "action": "employee"})
    assert response.status_code == 200
    wanted = AuditEvent.objects.unscoped(reason="t").filter(
        actor_username="admin", action__startswith="employee"
    )
    assert row_ids(response.content.decode()) == {str(pk) for pk in wanted.values_list("pk", flat=True)}
    read = AuditEvent.objects.unscoped(reason="t").filter(action="audit.read").latest("pk")
    assert read.actor_username == "auditor"
    assert read.changes == {"filters": {"actor": "admin", "action": "employee"}, "rows": wanted.count()}


def test_keyset_pages_cover_every_event_once(cast, login):
    for i in range(120):
        record(action="test.bulk", object_type="test", object_id=i)
    client = login(cast["auditor"])
    seen, url = [], reverse("audit:event_list") + "?action=test.bulk"
    while url:
        html = client.get(url).content.decode()
        seen.extend(row_ids(html))
        marker = 'data-testid="older"'
        url = None
        if marker in html:
            href = html.split(marker)[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
            url = reverse("audit:event_list") + href
    assert len(seen) == 120 == len(set(seen))


def test_bad_dates_are_a_form_error_not_a_crash(cast, login):
    client = login(cast["auditor"])
    response = client.get(reverse("audit:event_list"), {"since": "2026-13-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert row_ids(response.content.decode()) == set()
    response = client.get(reverse("audit:event_list"), {"since": "2026-05-02", "until": "2026-05-01"})
    assert "开始日期晚于结束日期。" in response.content.decode()


def test_rep_and_director_cannot_read_the_log(cast, login):
    for persona in ("rep_sh1", "director", "finance"):
        assert login(cast[persona]).get(reverse("audit:event_list")).status_code == 403


def test_denied_requests_and_out_of_scope_reads_are_audited(cast, login):
    client = login(cast["rep_sh1"])
    assert client.get(reverse("audit:event_list")).status_code == 403
    denied = AuditEvent.objects.unscoped(reason="t").get(action="request.denied")
    assert (denied.actor_username, denied.outcome, denied.changes) == (
        "rep_sh1",
        "denied",
        {"method": "GET", "path": "/audit/"},
    )
    foreign = Employee.objects.unscoped(reason="t").get(user=cast["rep_gz1"])
    assert client.get(reverse("org:employee_detail", args=[foreign.pk])).status_code == 404
    event = AuditEvent.objects.unscoped(reason="t").get(action="access.denied")
    assert (event.object_type, event.object_id, event.changes) == (
        "org.employee",
        str(foreign.pk),
        {"action": "view"},
    )
    # A record that does not exist at all is just a 404, with nothing to record.
    assert client.get(reverse("org:employee_detail", args=[999999])).status_code == 404
    assert AuditEvent.objects.unscoped(reason="t").filter(action="access.denied").count() == 1


def test_event_detail_shows_changes(cast, login):
    event = record(
        action="employee.update", actor=cast["admin"], changes={"title": ["销售", "主管"], "note": "x"}
    )
    response = login(cast["auditor"]).get(reverse("audit:event_detail", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<td>销售</td><td>主管</td>" in html
