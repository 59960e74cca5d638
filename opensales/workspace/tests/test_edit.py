"""The generic create/edit pages: inline validation, the version conflict, and the scoped pickers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from opensales.org import services
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db


def employee(username: str) -> Employee:
    return Employee.objects.unscoped(reason="test").select_related("user").get(user__username=username)


def edit_data(e: Employee, **changes) -> dict:
    data = {
        "full_name": e.user.full_name,
        "email": e.user.email,
        "department": e.department_id,
        "manager": e.manager_id or "",
        "title": e.title,
        "mobile": "",
        "employee_no": e.employee_no,
        "hire_date": "",
        "version": e.version,
    }
    data.update(changes)
    return data


def test_inline_validation_answers_errors_of_filled_fields_only(cast, login):
    rep = employee("rep_sh1")
    client = login(cast["admin"])
    url = reverse("org:employee_edit", args=[rep.pk])
    response = client.post(url, {**edit_data(rep, email="not-an-email", full_name=""), "_validate": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<hx-partial" in body and 'hx-target="#errors-email"' in body
    email_part = body.split('hx-target="#errors-email"')[1].split("</hx-partial>")[0]
    assert "invalid-feedback" in email_part
    # The empty (required) name is not flagged while the user is still typing.
    name_part = body.split('hx-target="#errors-full_name"')[1].split("</hx-partial>")[0]
    assert "invalid-feedback" not in name_part
    assert employee("rep_sh1").version == rep.version  # nothing saved


def test_stale_edit_keeps_input_and_names_the_other_change(cast, login):
    rep = employee("rep_sh1")
    client = login(cast["admin"])
    url = reverse("org:employee_edit", args=[rep.pk])
    loaded = edit_data(rep, title="我的新职位")
    services.employee_update(actor=cast["director"], employee=rep, title="总监改的职位")
    response = client.post(url, loaded)
    body = response.content.decode()
    assert response.status_code == 409
    assert 'data-testid="edit-conflict"' in body
    assert "总监改的职位" in body  # what the other person saved
    assert 'value="我的新职位"' in body  # the user's input is kept
    assert f'name="version" value="{rep.version + 1}"' in body  # saving again overwrites on purpose
    assert employee("rep_sh1").title == "总监改的职位"
    again = client.post(url, {**loaded, "version": rep.version + 1})
    assert again.status_code == 302
    assert employee("rep_sh1").title == "我的新职位"


def test_missing_version_is_a_conflict_not_a_blind_overwrite(cast, login):
    rep = employee("rep_sh1")
    data = edit_data(rep, title="无版本")
    data.pop("version")
    response = login(cast["admin"]).post(reverse("org:employee_edit", args=[rep.pk]), data)
    assert response.status_code == 409
    assert employee("rep_sh1").title != "无版本"


def test_edit_out_of_scope_is_404(cast, login):
    far = employee("rep_gz1")
    client = login(cast["manager_east"])
    # The manager may not change employees at all (403); the admin can, anywhere.
    assert client.get(reverse("org:employee_edit", args=[far.pk])).status_code in (403, 404)


def test_user_picker_offers_only_visible_people(cast, login):
    def picked(username, **params):
        response = login(cast[username]).get(reverse("workspace:user_picker"), params)
        return {row["text"].split("(")[-1].rstrip(")") for row in json.loads(response.content)["results"]}

    assert picked("rep_sh1") == {"rep_sh1", "rep_sh2", "lead_sh"}
    assert "rep_gz1" not in picked("manager_east", q="徐丽")
    assert picked("director", q="xl") >= {"rep_gz1"}  # 徐丽 by initials
    east = Employee.objects.unscoped(reason="t").get(user__username="manager_east").department
    assert picked("director", department=east.pk) >= {"rep_sh1", "rep_hz1"}
    assert "rep_gz1" not in picked("director", department=east.pk)


def test_model_picker_is_scoped(cast, login):
    response = login(cast["rep_sh1"]).get(reverse("workspace:picker", args=["employees"]), {"q": "徐丽"})
    assert json.loads(response.content)["results"] == []
    response = login(cast["rep_sh1"]).get(reverse("workspace:picker", args=["employees"]), {"q": "张伟"})
    assert [r["text"] for r in json.loads(response.content)["results"]] == ["张伟"]
    assert login(cast["rep_sh1"]).get(reverse("workspace:picker", args=["nope"])).status_code == 404
