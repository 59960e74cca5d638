"""Services, duplicate detection, the contact rule, pages, API, importer and vCard."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensales.audit.models import AuditEvent
from opensales.core.actions import Action
from opensales.core.versioning import StaleEdit
from opensales.customers import services
from opensales.customers.dedupe import find_duplicates
from opensales.customers.models import Contact, Customer

from .factories import make_contact, make_customer, make_pool_customer

pytestmark = pytest.mark.django_db


def test_create_sets_owner_keys_and_audits(cast):
    rep = cast["rep_sh1"]
    c = services.customer_create(
        actor=rep,
        name="上海恒达贸易有限公司",
        phone="021-6888 1234",
        credit_code="91350100m000100y43",
        tags=["国企"],
    )
    assert c.owner == rep and c.owned_since is not None
    assert (c.name_key, c.phone_digits, c.credit_code) == ("上海恒达贸易", "2168881234", "91350100M000100Y43")
    event = AuditEvent.objects.filter(action="customer.create", object_id=str(c.pk)).get()
    assert event.actor_id == rep.pk
    assert "6888" not in json.dumps(event.changes, ensure_ascii=False)  # the phone is masked
    from opensales.workspace.tags import tags_of

    assert [t.name for t in tags_of(c)] == ["国企"]


def test_create_rejects_bad_values(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=cast["rep_sh1"], name="坏数据", credit_code="123", region="999999")
    assert set(exc.value.message_dict) == {"credit_code", "region"}
    assert not Customer.objects.unscoped(reason="test").filter(name="坏数据").exists()


def test_update_checks_the_version_and_audits(cast):
    rep = cast["rep_sh1"]
    c = make_customer(rep)
    updated = services.customer_update(
        actor=rep, customer=c, expected_version=1, grade="A", name="新名字有限公司"
    )
    assert (updated.version, updated.grade, updated.name_key) == (2, "A", "新名字")
    event = AuditEvent.objects.filter(action="customer.update", object_id=str(c.pk)).get()
    assert event.changes["grade"] == ["", "A"]
    with pytest.raises(StaleEdit):
        services.customer_update(actor=rep, customer=c, expected_version=1, grade="B")


def test_contact_services_and_org_chart_loops(cast):
    from django.core.exceptions import ValidationError

    c = make_customer(cast["rep_sh1"])
    boss = make_contact(c, "王总")
    staff = make_contact(c, "李工", reports_to=boss)
    assert Contact.objects.unscoped(reason="t").filter(mobile_index=staff.mobile_index).count() == 2
    with pytest.raises(ValidationError):
        services.contact_update(actor=cast["rep_sh1"], contact=boss, expected_version=1, reports_to=staff)
    other = make_contact(make_customer(cast["rep_sh1"], name="别的公司"), "赵六")
    with pytest.raises(ValidationError):
        services.contact_update(actor=cast["rep_sh1"], contact=staff, expected_version=1, reports_to=other)
    with pytest.raises(StaleEdit):
        services.contact_update(actor=cast["rep_sh1"], contact=staff, expected_version=7, title="x")


def test_find_duplicates_by_each_key(cast):
    mine = make_customer(cast["rep_sh2"], name="上海恒达贸易", phone="021-68881234", email="info@hengda.cn")
    coded = make_customer(cast["rep_gz1"], name="别名公司", credit_code="91350100M000100Y43")
    assert find_duplicates(name="上海恒达贸易有限公司") == [mine]
    assert find_duplicates(name="上海 恒达贸易股份有限公司") == [mine]
    assert find_duplicates(credit_code="91350100m000100y43") == [coded]
    assert find_duplicates(phone="+86 21 6888 1234") == [mine]
    assert find_duplicates(email="INFO@hengda.cn") == [mine]
    assert find_duplicates(name="上海恒达贸易", exclude_pk=mine.pk) == []
    assert find_duplicates(name="") == []


def _create_form(**extra):
    data = {
        "name": "上海恒达贸易有限公司",
        "kind": "company",
        "lifecycle": "prospect",
        "credit_limit": "0",
        "payment_terms_days": "30",
    }
    data.update(extra)
    return data


def test_create_page_shows_duplicates_of_others_by_name_and_owner_only(cast, login):
    make_customer(cast["rep_sh2"], name="上海恒达贸易", phone="021-68881234", address="秘密地址 88 号")
    client = login(cast["rep_sh1"])
    response = client.post("/customers/new/", _create_form())
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="duplicates"' in html and "上海恒达贸易" in html and "刘洋" in html
    assert "秘密地址" not in html
    assert f'href="/customers/{Customer.objects.unscoped(reason="t").get().pk}/"' not in html
    assert 'data-testid="ask-collaborate"' in html
    assert Customer.objects.unscoped(reason="t").count() == 1
    # Save anyway.
    response = client.post("/customers/new/", _create_form(confirm_duplicates="1"))
    assert response.status_code == 302
    assert Customer.objects.unscoped(reason="t").filter(owner=cast["rep_sh1"]).count() == 1


def test_ask_to_collaborate_notifies_the_owner_and_is_audited(cast, login):
    from opensales.notifications.models import Notification

    theirs = make_customer(cast["rep_sh2"], name="上海恒达贸易")
    client = login(cast["rep_sh1"])
    response = client.post(f"/customers/{theirs.pk}/ask-to-collaborate/", {"name": "上海恒达贸易有限公司"})
    assert response.status_code == 302
    note = Notification.objects.get(recipient=cast["rep_sh2"])
    assert note.kind == "collaboration_request"
    assert (
        AuditEvent.objects.filter(
            action="customer.collaboration_request", actor_id=cast["rep_sh1"].pk
        ).count()
        == 1
    )
    # Not a duplicate of what was typed: refused (no probing of other customers).
    assert client.post(f"/customers/{theirs.pk}/ask-to-collaborate/", {"name": "完全不同"}).status_code == 404


def test_duplicates_fragment_while_typing(cast, login):
    make_customer(cast["rep_sh2"], name="上海恒达贸易")
    html = login(cast["rep_sh1"]).get("/customers/duplicates/", {"name": "上海恒达贸易有限"}).content.decode()
    assert "上海恒达贸易" in html and "刘洋" in html


def test_api_create_with_a_duplicate_is_a_form_error(cast, login):
    make_customer(cast["rep_sh2"], name="上海恒达贸易")
    client = login(cast["rep_sh1"])
    response = client.post(
        "/api/v1/customers", {"name": "上海恒达贸易有限公司"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "non_field_errors" in response.json()["fields"]
    response = client.post(
        "/api/v1/customers",
        {"name": "上海恒达贸易有限公司", "confirm_duplicates": True, "region": "上海市 浦东新区"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.unscoped(reason="t").get(pk=response.json()["id"]).region == "310115"


def test_api_rejects_a_bad_credit_code(cast, login):
    response = login(cast["rep_sh1"]).post(
        "/api/v1/customers",
        {"name": "新公司", "credit_code": "91350100M000100Y44"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "credit_code" in response.json()["fields"]


def test_pool_members_do_not_see_contacts_until_claimed(cast):
    customer = make_pool_customer()
    contact = make_contact(customer)
    visible = lambda user: set(Contact.objects.visible_to(user, Action.VIEW).values_list("pk", flat=True))  # noqa: E731
    # Pool members (华东大区) see the customer but not its contacts.
    for name in ("rep_sh1", "manager_east"):
        assert Customer.objects.visible_to(cast[name], Action.VIEW).filter(pk=customer.pk).exists()
        assert contact.pk not in visible(cast[name])
    assert not Customer.objects.visible_to(cast["rep_gz1"], Action.VIEW).filter(pk=customer.pk).exists()
    # Those whose customer grant reaches all still see them.
    for name in ("director", "finance", "admin"):
        assert contact.pk in visible(cast[name])
    # Once claimed (an owner), the contacts follow the customer.
    services.customer_update(
        actor=cast["rep_sh1"], customer=customer, expected_version=1, owner=cast["rep_sh1"], pool=None
    )
    assert contact.pk in visible(cast["rep_sh1"])
    assert contact.pk in visible(cast["manager_east"])
    assert contact.pk not in visible(cast["rep_sh2"])


def test_exact_mobile_search_through_the_blind_index(cast, login):
    c = make_customer(cast["rep_sh1"])
    hit = make_contact(c, "甲", mobile="13911112222")
    make_contact(c, "乙", mobile="13911112223")
    html = login(cast["director"]).get("/customers/contacts/", {"mobile": "13911112222"}).content.decode()
    assert f'data-row-id="{hit.pk}"' in html and html.count("data-row-id=") == 1


def test_mobile_is_masked_in_lists_unless_unmask(cast, login):
    make_contact(make_customer(cast["rep_sh1"]), "甲", mobile="13911112222")
    rep_html = login(cast["rep_sh1"]).get("/customers/contacts/").content.decode()
    assert "13911112222" not in rep_html
    admin_html = login(cast["admin"]).get("/customers/contacts/").content.decode()
    assert "13911112222" in admin_html


def test_vcard_exports(cast, login):
    contact = make_contact(make_customer(cast["rep_sh1"], name="恒达, 上海"), "张伟", title="总经理")
    response = login(cast["manager_east"]).get(f"/customers/contacts/{contact.pk}/vcard/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    body = response.content.decode("utf-8")
    assert "FN:张伟\r\n" in body and "ORG:恒达\\, 上海\r\n" in body and "TEL;TYPE=CELL:13800138000" in body
    assert login(cast["rep_sh1"]).get(f"/customers/contacts/{contact.pk}/vcard/").status_code == 403
    listing = login(cast["manager_east"]).get("/customers/contacts/vcard/").content.decode()
    assert listing.count("BEGIN:VCARD") == 1
    assert AuditEvent.objects.filter(action="contact.export_vcard").count() == 2


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_and_detail_query_counts_stay_flat(cast, login):
    rep = cast["rep_sh1"]
    first = make_customer(rep, name="客户一")
    make_contact(first, "甲")
    client = login(cast["manager_east"])
    cols = "?cols=name,owner,grade,lifecycle,region,phone,tags"
    small_list = _count(client, "/customers/" + cols)
    small_contacts = _count(client, "/customers/contacts/?cols=name,customer,mobile,email")
    small_detail = _count(client, f"/customers/{first.pk}/")
    for i in range(12):
        c = make_customer(rep, name=f"客户{i}号", region="310115", tags=["国企"])
        boss = make_contact(c, f"王{i}")
        make_contact(c, f"李{i}", reports_to=boss)
        make_contact(first, f"赵{i}")
    assert _count(client, "/customers/" + cols) == small_list
    assert _count(client, "/customers/contacts/?cols=name,customer,mobile,email") == small_contacts
    assert _count(client, f"/customers/{first.pk}/") == small_detail


def test_customer_360_page(cast, login):
    c = make_customer(
        cast["rep_sh1"], name="上海恒达贸易有限公司", region="310115", grade="A", is_key_account=True
    )
    boss = make_contact(c, "王总", title="总经理")
    make_contact(c, "李工", reports_to=boss)
    html = login(cast["rep_sh1"]).get(f"/customers/{c.pk}/").content.decode()
    assert "上海市 浦东新区" in html and 'data-testid="key-account"' in html
    assert html.index("王总") < html.index("李工")
    assert 'data-testid="org-chart"' in html


def test_pool_customer_page_hides_contacts_from_pool_members(cast, login):
    customer = make_pool_customer()
    make_contact(customer, "隐藏的人")
    html = login(cast["rep_sh1"]).get(f"/customers/{customer.pk}/").content.decode()
    assert "隐藏的人" not in html and 'data-testid="contacts-hidden"' in html


def test_region_feed(cast, login):
    data = login(cast["rep_sh1"]).get("/customers/regions/", {"parent": "310100"}).json()
    assert {"value": "310115", "text": "浦东新区"} in data


def test_edit_form_with_region_picker(cast, login):
    c = make_customer(cast["rep_sh1"], name="编辑测试")
    client = login(cast["rep_sh1"])
    response = client.post(
        f"/customers/{c.pk}/edit/",
        _create_form(
            name="编辑测试",
            region_province="440000",
            region_city="440300",
            region_district="440305",
            version="1",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    c = Customer.objects.unscoped(reason="t").get(pk=c.pk)
    assert (c.region, c.version) == ("440305", 2)


def test_search_finds_customers_and_contacts(cast):
    from opensales.search.selectors import matching_ids

    c = make_customer(cast["rep_sh1"], name="上海恒达贸易有限公司", credit_code="91350100M000100Y43")
    contact = make_contact(c, "张晓明")

    def found(user, model, term):
        return set(
            model.objects.visible_to(user, Action.VIEW)
            .filter(pk__in=matching_ids(user, model, term))
            .values_list("pk", flat=True)
        )

    assert found(cast["rep_sh1"], Customer, "恒达") == {c.pk}
    assert found(cast["rep_sh1"], Customer, "91350100M000100Y43") == {c.pk}
    assert found(cast["rep_sh1"], Contact, "张晓明") == {contact.pk}
    assert found(cast["rep_gz1"], Customer, "恒达") == set()


def test_home_widget_lists_my_recent_customers(cast, login):
    make_customer(cast["rep_sh1"], name="最近的客户")
    html = login(cast["rep_sh1"]).get("/").content.decode()
    assert 'data-testid="home-recent-customers"' in html and "最近的客户" in html
