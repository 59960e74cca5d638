"""The web form as JSON, the region picker on the lead form, and leads entered by hand without an owner
going through the assignment rules."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from opensales.audit.models import AuditEvent
from opensales.leads.models import AssignmentRule, Lead

pytestmark = pytest.mark.django_db

API = "/api/v1/leads/web-form"
BODY = {"company": "蓝海贸易", "contact_name": "陈静", "phone": "138 1234 5678", "notes": "想了解报价"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def all_leads():
    return Lead.objects.unscoped(reason="test")


def _post(client, body):
    return client.post(API, body, content_type="application/json")


# --- POST /api/v1/leads/web-form --------------------------------------------------------------------


def test_api_web_form_creates_an_assigned_lead_without_sign_in_or_csrf(cast, departments):
    AssignmentRule.objects.create(name="兜底", department=departments["SH"])
    response = _post(Client(enforce_csrf_checks=True), BODY)
    assert response.status_code == 201, response.content
    lead = all_leads().get()
    assert response.json() == {"id": lead.pk}
    assert (lead.source, lead.company, lead.owner.username) == ("website", "蓝海贸易", "rep_sh1")
    assert AuditEvent.objects.filter(action="lead.web_form", object_id=str(lead.pk)).exists()


def test_api_web_form_field_errors(cast):
    response = _post(Client(), {**BODY, "phone": "12", "email": "not-mail"})
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert "phone" in fields and "email" in fields
    neither = _post(Client(), {"contact_name": "陈静"})
    assert neither.status_code == 422 and "non_field_errors" in neither.json()["fields"]
    nameless = _post(Client(), {"phone": "13812345678"})
    assert nameless.status_code == 422 and "contact_name" in nameless.json()["fields"]
    assert all_leads().count() == 0


def test_api_web_form_errors_are_translated(cast):
    response = Client().post(
        API, {"contact_name": "陈静"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 422
    assert "电话" in " ".join(response.json()["fields"]["non_field_errors"])


def test_api_web_form_honeypot_keeps_nothing(cast):
    response = _post(Client(), {**BODY, "website": "http://spam.example"})
    assert response.status_code == 201 and response.json() == {"id": None}
    assert all_leads().count() == 0


@override_settings(LEADS_WEB_FORM_RATE="2/10min")
def test_api_web_form_shares_the_rate_limit_with_the_page(cast):
    client = Client()
    assert _post(client, BODY).status_code == 201
    assert client.post("/leads/web-form/", {**BODY, "email": ""}).status_code == 302
    limited = _post(client, BODY)
    assert limited.status_code == 429
    assert all_leads().count() == 2


def test_api_web_form_is_in_the_openapi_schema(cast, login):
    schema = login(cast["admin"]).get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/leads/web-form"]["post"]
    assert set(operation["responses"]) >= {"201", "422", "429"}


# --- The lead form: region picker and assignment ------------------------------------------------------


def test_lead_form_has_the_region_picker_and_saves_the_district(cast, login):
    client = login(cast["rep_sh1"])
    page = client.get("/leads/new/").content.decode()
    assert 'data-region-level="province"' in page and "customers/customers.js" in page
    response = client.post(
        "/leads/new/",
        {
            "contact_name": "王磊",
            "phone": "13812345678",
            "region_province": "310000",
            "region_city": "310100",
            "region_district": "310115",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lead = all_leads().get()
    assert (lead.region, lead.owner) == ("310115", cast["rep_sh1"])
    edit = client.get(f"/leads/{lead.pk}/edit/").content.decode()
    assert 'value="310115" selected' in edit


def test_lead_form_refuses_a_region_outside_the_list(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post(
        "/leads/new/", {"contact_name": "王磊", "phone": "13812345678", "region_province": "999999"}
    )
    assert response.status_code == 200
    assert all_leads().count() == 0


def test_api_lead_region_by_name_still_works(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post(
        "/api/v1/leads",
        {"contact_name": "王磊", "phone": "13812345678", "region": "上海市浦东新区"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert all_leads().get().region == "310115"
    bad = client.post(
        "/api/v1/leads",
        {"contact_name": "王磊", "phone": "13812345679", "region": "火星"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "region" in bad.json()["fields"]


def test_manager_leaving_the_owner_empty_runs_the_rules(cast, departments, login):
    from opensales.notifications.models import Notification

    AssignmentRule.objects.create(name="上海", department=departments["SH"])
    client = login(cast["manager_east"])
    response = client.post("/leads/new/", {"contact_name": "王磊", "phone": "13812345678", "owner": ""})
    assert response.status_code == 302
    lead = all_leads().get()
    assert lead.owner == cast["rep_sh1"]
    assert AuditEvent.objects.filter(action="lead.assign", object_id=str(lead.pk)).exists()
    assert Notification.objects.filter(recipient=cast["rep_sh1"]).exists()


def test_api_lead_without_owner_runs_the_rules_and_falls_back_to_the_author(cast, departments, login):
    client = login(cast["manager_east"])
    first = client.post(
        "/api/v1/leads", {"contact_name": "王磊", "phone": "13812345678"}, content_type="application/json"
    )
    assert first.status_code == 201, first.content
    assert all_leads().get(pk=first.json()["id"]).owner == cast["manager_east"]  # no rule: the author
    AssignmentRule.objects.create(name="上海", department=departments["SH"])
    second = client.post(
        "/api/v1/leads", {"contact_name": "李娜", "phone": "13812345679"}, content_type="application/json"
    )
    assert all_leads().get(pk=second.json()["id"]).owner == cast["rep_sh1"]


def test_rep_lead_stays_their_own(cast, departments, login):
    AssignmentRule.objects.create(name="上海", department=departments["SH"])
    client = login(cast["rep_sh2"])
    response = client.post("/leads/new/", {"contact_name": "王磊", "phone": "13812345678"})
    assert response.status_code == 302
    assert all_leads().get().owner == cast["rep_sh2"]
