"""Contact mobile and e-mail: masked for users without unmask on lists, pages, vCards, exports and the
API; a "show" button reveals one value through an audited endpoint."""

from __future__ import annotations

import pytest

from opensales.audit.models import AuditEvent

from .factories import make_contact, make_customer

pytestmark = pytest.mark.django_db

MOBILE, EMAIL = "13911112222", "wangfang@hengda.cn"


@pytest.fixture
def contact(cast):
    return make_contact(make_customer(cast["rep_sh1"]), "王芳", mobile=MOBILE, email=EMAIL)


def test_rep_without_unmask_sees_masked_values_everywhere(cast, login, contact):
    client = login(cast["rep_sh1"])
    pages = [
        "/customers/contacts/?cols=name,mobile,email",
        f"/customers/contacts/{contact.pk}/",
        f"/customers/{contact.customer_id}/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert MOBILE not in html and EMAIL not in html, url
    assert "139****2222" in client.get(f"/customers/contacts/{contact.pk}/").content.decode()
    api = client.get(f"/api/v1/contacts/{contact.pk}").json()
    assert api["mobile"] == "139****2222" and api["email"] == "w****@hengda.cn"
    listed = client.get("/api/v1/contacts").json()["items"][0]
    assert listed["mobile"] == "139****2222"
    # No reveal without unmask.
    r = client.post(f"/customers/contacts/{contact.pk}/unmask/", {"field": "mobile"})
    assert r.status_code == 403
    assert (
        'data-testid="contact-mobile-unmask"'
        not in client.get(f"/customers/contacts/{contact.pk}/").content.decode()
    )


def test_exports_without_unmask_are_masked(cast, login, contact):
    # Finance may export but not unmask.
    client = login(cast["finance"])
    body = client.get(f"/customers/contacts/{contact.pk}/vcard/").content.decode()
    assert "TEL;TYPE=CELL:139****2222" in body and MOBILE not in body and EMAIL not in body
    listing = client.get("/customers/contacts/vcard/").content.decode()
    assert MOBILE not in listing and "139****2222" in listing
    from django.http import QueryDict

    from opensales.bulk.exports import ordered_ids, rows
    from opensales.customers.workspace import ContactView

    params = QueryDict("cols=name,mobile,email")
    table = list(
        rows(ContactView, cast["finance"], params, ordered_ids(ContactView, cast["finance"], params))
    )
    flat = repr(table)
    assert MOBILE not in flat and "139****2222" in flat


def test_manager_with_unmask_reveals_one_value_audited(cast, login, contact):
    client = login(cast["manager_east"])
    page = client.get(f"/customers/contacts/{contact.pk}/").content.decode()
    assert MOBILE not in page and 'data-testid="contact-mobile-unmask"' in page
    r = client.post(f"/customers/contacts/{contact.pk}/unmask/", {"field": "mobile"})
    html = r.content.decode()
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert MOBILE in html and EMAIL not in html
    event = AuditEvent.objects.get(action="contact.unmask")
    assert event.object_id == str(contact.pk) and event.changes == {"field": "mobile"}
    # Their vCard and list are in clear.
    assert (
        f"TEL;TYPE=CELL:{MOBILE}" in client.get(f"/customers/contacts/{contact.pk}/vcard/").content.decode()
    )
    # Outside their subtree: 404.
    foreign = make_contact(make_customer(cast["rep_gz1"]), "陈静")
    assert client.post(f"/customers/contacts/{foreign.pk}/unmask/", {"field": "mobile"}).status_code == 404
