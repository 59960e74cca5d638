"""Lead pages: the public web form, the list, conversion, invalidation, the rules page, and the API actions."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from opensales.leads import services
from opensales.leads.models import AssignmentRule, Lead, LeadStatus
from tests.matrix import row_ids

pytestmark = pytest.mark.django_db

FORM = "/leads/web-form/"
POST = {
    "company": "蓝海贸易",
    "contact_name": "陈静",
    "phone": "138 1234 5678",
    "email": "",
    "notes": "想了解报价",
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def make_lead(owner=None, **fields):
    values = {"company": "星河科技有限公司", "contact_name": "王磊", "phone": "13812345678", **fields}
    return services.lead_create(actor=None, owner=owner, **values)


def all_leads():
    return Lead.objects.unscoped(reason="test")


# --- The public web form ----------------------------------------------------------------------------


def test_web_form_creates_and_assigns_a_lead(cast, departments):
    AssignmentRule.objects.create(name="兜底", department=departments["SH"])
    client = Client()
    assert client.get(FORM).status_code == 200
    response = client.post(FORM, POST)
    assert response.status_code == 302 and response["Location"] == "/leads/web-form/thanks/"
    lead = all_leads().get()
    assert (lead.source, lead.company, lead.contact_name, lead.owner.username) == (
        "website",
        "蓝海贸易",
        "陈静",
        "rep_sh1",
    )
    assert client.get(response["Location"]).status_code == 200


def test_web_form_without_a_rule_leaves_the_lead_unassigned(cast):
    Client().post(FORM, POST)
    assert all_leads().get().owner is None


def test_web_form_errors_are_shown(cast):
    response = Client().post(FORM, {**POST, "phone": "", "email": ""})
    assert response.status_code == 200
    assert all_leads().count() == 0
    assert 'data-testid="form-errors"' in response.content.decode()


def test_honeypot_is_thanked_but_keeps_nothing(cast):
    response = Client().post(FORM, {**POST, "website": "http://spam.example"})
    assert response.status_code == 302
    assert all_leads().count() == 0


@override_settings(LEADS_WEB_FORM_RATE="3/10min")
def test_web_form_is_rate_limited_per_address(cast):
    client = Client()
    for _ in range(3):
        assert client.post(FORM, POST).status_code == 302
    response = client.post(FORM, POST)
    assert response.status_code == 429
    assert 'data-testid="web-form-throttled"' in response.content.decode()
    assert all_leads().count() == 3
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(FORM, POST).status_code == 302


def test_web_form_keeps_csrf(cast):
    client = Client(enforce_csrf_checks=True)
    assert client.post(FORM, POST).status_code == 403
    page = client.get(FORM)
    token = page.cookies["csrftoken"].value
    assert client.post(FORM, {**POST, "csrfmiddlewaretoken": token}).status_code == 302


# --- The list ---------------------------------------------------------------------------------------


def test_list_scope_filters_and_masking(cast):
    mine = make_lead(owner=cast["rep_sh1"], region="310115", score=80)
    theirs = make_lead(owner=cast["rep_gz1"], region="440106", phone="13700001234")
    nobody = make_lead(owner=None, contact_name="赵敏")
    rep = Client()
    rep.force_login(cast["rep_sh1"])
    html = rep.get("/leads/").content.decode()
    assert row_ids(html) == {str(mine.pk)}
    assert "138****5678" in html and "13812345678" not in html
    director = Client()
    director.force_login(cast["director"])
    assert row_ids(director.get("/leads/").content.decode()) == {str(mine.pk), str(theirs.pk), str(nobody.pk)}
    assert row_ids(director.get("/leads/", {"unassigned": "true"}).content.decode()) == {str(nobody.pk)}
    assert row_ids(director.get("/leads/", {"region": "44"}).content.decode()) == {str(theirs.pk)}
    assert row_ids(director.get("/leads/", {"score_min": "50"}).content.decode()) == {str(mine.pk)}
    manager = Client()
    manager.force_login(cast["manager_east"])
    assert row_ids(manager.get("/leads/").content.decode()) == {str(mine.pk)}


def test_list_query_count_does_not_grow(cast):
    client = Client()
    client.force_login(cast["director"])
    make_lead(owner=cast["rep_sh1"])
    client.get("/leads/")
    with CaptureQueriesContext(connection) as small:
        client.get("/leads/")
    for i in range(12):
        make_lead(owner=cast["rep_sh2" if i % 2 else "rep_gz1"], phone=f"1391234{i:04d}")
    with CaptureQueriesContext(connection) as large:
        client.get("/leads/")
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_detail_query_count_is_flat(cast):
    client = Client()
    client.force_login(cast["rep_sh1"])
    lead = make_lead(owner=cast["rep_sh1"])
    client.get(f"/leads/{lead.pk}/")
    with CaptureQueriesContext(connection) as first:
        assert client.get(f"/leads/{lead.pk}/").status_code == 200
    for i in range(5):
        services.lead_update(actor=cast["rep_sh1"], lead=lead, expected_version=lead.version, score=i + 1)
        lead.refresh_from_db()
    with CaptureQueriesContext(connection) as later:
        client.get(f"/leads/{lead.pk}/")
    assert len(later) == len(first)


# --- Conversion and invalidation pages --------------------------------------------------------------


def test_convert_page_creates_everything_and_lands_on_the_customer(cast):
    rep = Client()
    rep.force_login(cast["rep_sh1"])
    lead = make_lead(owner=cast["rep_sh1"])
    page = rep.get(f"/leads/{lead.pk}/convert/")
    assert page.status_code == 200
    response = rep.post(
        f"/leads/{lead.pk}/convert/",
        {
            "customer_choice": "new",
            "create_contact": "on",
            "create_opportunity": "on",
            "opportunity_name": "星河项目",
            "amount": "50000",
        },
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.converted_opportunity_id
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{lead.converted_customer_id}/"
    # The detail page now says what the lead became; converting again is not offered.
    html = rep.get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-testid="lead-became"' in html and 'data-testid="lead-convert"' not in html
    assert rep.get(f"/leads/{lead.pk}/convert/").status_code == 302


def test_convert_page_shows_others_duplicates_by_name_and_owner_only(cast):
    from opensales.customers.services import customer_create

    customer_create(
        actor=cast["rep_gz1"], owner=cast["rep_gz1"], name="星河科技有限公司", phone="020-1234567"
    )
    lead = make_lead(owner=cast["rep_sh1"])
    rep = Client()
    rep.force_login(cast["rep_sh1"])
    html = rep.get(f"/leads/{lead.pk}/convert/").content.decode()
    assert "星河科技有限公司" in html and "徐丽" in html
    assert "020-1234567" not in html
    # It is not offered as a choice.
    assert html.count('name="customer_choice"') == 2


def test_converting_a_lead_out_of_scope_is_404(cast):
    lead = make_lead(owner=cast["rep_gz1"])
    rep = Client()
    rep.force_login(cast["rep_sh1"])
    assert rep.get(f"/leads/{lead.pk}/convert/").status_code == 404
    assert rep.post(f"/leads/{lead.pk}/convert/", {"customer_choice": "new"}).status_code == 404
    assert rep.post(f"/leads/{lead.pk}/invalidate/", {"reason": "x"}).status_code == 404


def test_invalidate_page_needs_a_reason(cast):
    lead = make_lead(owner=cast["rep_sh1"])
    rep = Client()
    rep.force_login(cast["rep_sh1"])
    assert rep.post(f"/leads/{lead.pk}/invalidate/", {"reason": ""}).status_code == 200
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert rep.post(f"/leads/{lead.pk}/invalidate/", {"reason": "空号"}).status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.invalid_reason) == (LeadStatus.INVALID, "空号")


def test_rules_page(cast, departments):
    admin = Client()
    admin.force_login(cast["admin"])
    response = admin.post(
        "/leads/rules/",
        {
            "name": "广州",
            "department": departments["GZ"].pk,
            "region_prefix": "44",
            "sort_order": "1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert (rule.region_prefix, rule.department.code) == ("44", "GZ")
    bad = admin.post(
        "/leads/rules/",
        {"name": "x", "department": departments["GZ"].pk, "region_prefix": "sh", "sort_order": "1"},
    )
    assert bad.status_code == 200 and AssignmentRule.objects.count() == 1
    manager = Client()
    manager.force_login(cast["manager_east"])
    assert manager.get("/leads/rules/").status_code == 403


# --- API ----------------------------------------------------------------------------------------------


def api(user):
    client = Client()
    client.force_login(user)
    return client


def test_api_convert_invalidate_assign(cast):
    lead = make_lead(owner=cast["rep_sh1"])
    rep = api(cast["rep_sh1"])
    url = f"/api/v1/leads/{lead.pk}/convert"
    response = rep.post(
        url, {"create_opportunity": True, "opportunity_name": "项目"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "converted" and body["customer"] and body["contact"] and body["opportunity"]
    assert rep.post(url, {}, content_type="application/json").status_code == 409
    other = make_lead(owner=cast["rep_sh1"], phone="13911112222")
    bad = rep.post(f"/api/v1/leads/{other.pk}/invalidate", {"reason": ""}, content_type="application/json")
    assert bad.status_code == 422 and "reason" in bad.json()["fields"]
    assert (
        rep.post(
            f"/api/v1/leads/{other.pk}/assign", {"owner": cast["rep_sh2"].pk}, content_type="application/json"
        ).status_code
        == 403
    )
    manager = api(cast["manager_east"])
    ok = manager.post(
        f"/api/v1/leads/{other.pk}/assign", {"owner": cast["rep_sh2"].pk}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["owner"] == cast["rep_sh2"].pk
    far = manager.post(
        f"/api/v1/leads/{other.pk}/assign", {"owner": cast["rep_gz1"].pk}, content_type="application/json"
    )
    assert far.status_code == 422
    gz = api(cast["rep_gz1"])
    assert (
        gz.post(
            f"/api/v1/leads/{other.pk}/invalidate", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_api_list_gives_the_source_as_its_label(cast):
    from opensales.api.tests.helpers import Api

    make_lead(owner=cast["rep_sh1"], source="exhibition")
    items = Api(cast["rep_sh1"]).get("/api/v1/leads", HTTP_ACCEPT_LANGUAGE="en").json()["items"]
    # A translated label is text, not a list of its characters (the API's reading of a lazy string).
    assert [i["source"] for i in items] == ["Exhibition"]
