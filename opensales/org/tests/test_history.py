import pytest
from django.urls import reverse

from opensales.org import services
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db


def test_employee_history_shows_who_changed_what_with_the_mobile_masked(cast, departments, login):
    employee = Employee.objects.unscoped(reason="t").get(user=cast["rep_sh1"])
    services.employee_update(
        actor=cast["admin"], employee=employee, title="高级销售代表", mobile="13900001111"
    )
    latest = employee.history.latest("history_date")
    assert latest.history_user == cast["admin"]
    html = login(cast["admin"]).get(reverse("org:employee_detail", args=[employee.pk])).content.decode()
    assert "销售代表 → 高级销售代表" in html
    assert "139****1111" in html
    assert "13900001111" not in html
