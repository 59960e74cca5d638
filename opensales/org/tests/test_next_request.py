"""Changes to a user's department, roles or active flag apply from their very next request."""

import pytest
from django.urls import reverse

from opensales.org import services
from opensales.org.models import Employee, Role
from tests.matrix import row_ids

pytestmark = pytest.mark.django_db


def _listed_usernames(client):
    response = client.get(reverse("org:employee_list"))
    assert response.status_code == 200
    ids = {int(i) for i in row_ids(response.content.decode())}
    return set(
        Employee.objects.unscoped(reason="t").filter(pk__in=ids).values_list("user__username", flat=True)
    )


def test_department_move_applies_on_the_next_request(cast, departments, login):
    client = login(cast["rep_sh1"])
    assert _listed_usernames(client) == {"rep_sh1", "rep_sh2", "lead_sh"}
    employee = Employee.objects.unscoped(reason="t").get(user=cast["rep_sh1"])
    services.employee_update(actor=cast["admin"], employee=employee, department=departments["GZ"])
    assert _listed_usernames(client) == {"rep_sh1", "rep_gz1", "rep_gz2"}


def test_role_change_applies_on_the_next_request(cast, login):
    client = login(cast["rep_sh1"])
    assert len(_listed_usernames(client)) == 3
    services.user_set_roles(
        actor=cast["admin"], user=cast["rep_sh1"], roles=[Role.objects.get(code="finance")]
    )
    assert len(_listed_usernames(client)) == 20


def test_deactivation_ends_the_session_on_the_next_request(cast, login):
    client = login(cast["rep_sh1"])
    assert client.get(reverse("org:employee_list")).status_code == 200
    services.user_set_active(actor=cast["admin"], user=cast["rep_sh1"], active=False)
    response = client.get(reverse("org:employee_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
