"""The bulk demo generator (opensales/core/demo_bulk.py) with tiny counts: consistent, valid, scoped."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from opensales.core.demo import COUNTS, LARGE, generate, resolve_counts

COUNTS_TINY = {
    "departments": 11,
    "employees": 26,
    "products": 15,
    "customers": 120,
    "contacts": 250,
    "leads": 60,
    "opportunities": 200,
    "follow_ups": 3000,
}
STEPS = {
    "organization",
    "bulk: products",
    "bulk: customers, contacts, opportunities",
    "bulk: leads",
    "bulk: follow-ups",
    "bulk: follow-up times",
    "bulk: analyze",
}


@pytest.fixture
def tenant(db):
    return generate(size="small", counts=COUNTS_TINY, only=STEPS, log=lambda m: None)


def unscoped(model):
    return model.objects.unscoped(reason="test")


def test_counts_table():
    assert COUNTS["large"] is LARGE and LARGE["follow_ups"] == 2_000_000 and COUNTS["small"] == {}
    assert COUNTS["medium"]["customers"] == 10_000
    assert resolve_counts("large", {"customers": 5})["customers"] == 5
    with pytest.raises(ValueError):
        resolve_counts("huge")


def test_counts_match_the_parameters(tenant):
    from opensales.activities.models import FollowUp
    from opensales.customers.models import Contact, Customer
    from opensales.deals.models import Opportunity, StageHistory
    from opensales.leads.models import Lead
    from opensales.org.models import Department, Employee
    from opensales.products.models import Product

    assert unscoped(Department).count() == 11
    assert unscoped(Employee).count() == 26
    assert unscoped(Product).count() == 15
    assert unscoped(Customer).count() == 120
    assert unscoped(Contact).count() == 250
    assert unscoped(Lead).count() == 60
    assert unscoped(Opportunity).count() == 200
    assert unscoped(FollowUp).count() == 3000
    assert StageHistory.objects.count() >= 200
    # Every customer has a primary contact (250 contacts over 120 customers).
    assert unscoped(Contact).filter(is_primary=True).count() == 120


def test_derived_columns_are_right(tenant):
    from opensales.core.crypto import blind_index
    from opensales.customers.dedupe import normalize_name, phone_digits
    from opensales.customers.models import Contact, Customer
    from opensales.customers.regions import is_region
    from opensales.customers.validators import is_valid_credit_code
    from opensales.leads.models import Lead

    customers = list(unscoped(Customer))
    assert sum(1 for c in customers if c.credit_code) > 60
    for c in customers:
        assert not c.credit_code or is_valid_credit_code(c.credit_code), c.credit_code
        assert c.name_key == normalize_name(c.name)
        assert c.phone_digits == phone_digits(c.phone)
        assert is_region(c.region)
        assert (c.owner_id is None) == (c.pool_id is not None)
    assert len({c.created_at.date() for c in customers}) > 30  # spread over the years, not "now"
    contact = unscoped(Contact).exclude(email="").first()
    assert contact.mobile_index == blind_index(contact.mobile)
    assert contact.email_index == blind_index(contact.email.lower())
    # The blind index finds a contact by its exact mobile; the column holds ciphertext only.
    assert unscoped(Contact).filter(mobile_index=blind_index(contact.mobile)).first().pk == contact.pk
    with connection.cursor() as cur:
        cur.execute(f"SELECT mobile FROM {Contact._meta.db_table} WHERE id = %s", [contact.pk])
        assert contact.mobile not in cur.fetchone()[0]
    lead = unscoped(Lead).first()
    from opensales.search.tokens import phone_digits as lead_digits

    assert lead.phone_index == blind_index(lead_digits(lead.phone))


def test_deals_and_follow_up_times_are_consistent(tenant):
    from django.db.models import Max, Min

    from opensales.activities.models import FollowUp
    from opensales.customers.models import Customer
    from opensales.deals.models import Opportunity

    now = timezone.now()
    for c in unscoped(Customer).filter(follow_ups__isnull=False).distinct()[:40]:
        fus = unscoped(FollowUp).filter(customer=c)
        assert c.last_follow_up_at == fus.filter(status="done").aggregate(m=Max("at"))["m"]
        assert c.next_follow_up_at == fus.filter(status="planned", at__gt=now).aggregate(m=Min("at"))["m"]
    for d in unscoped(Opportunity).select_related("stage")[:60]:
        assert d.probability == d.stage.probability
        assert d.owner_id == d.customer.owner_id
        assert (d.closed_at is not None) == (d.stage.is_won or d.stage.is_lost)
        assert d.stage_history.first().stage_id == d.stage_id  # newest snapshot = current stage
        done = unscoped(FollowUp).filter(opportunity=d, status="done").aggregate(m=Max("at"))["m"]
        assert d.last_follow_up_at == done
    won = unscoped(Opportunity).filter(stage__is_won=True).select_related("customer").first()
    assert won.customer.last_deal_at is not None
    assert won.customer.last_deal_at.date() >= won.closed_at
    assert not unscoped(FollowUp).filter(status="done", at__gt=now).exists()


def test_search_finds_a_customer_by_pinyin(tenant):
    from opensales.customers.models import Customer
    from opensales.search.selectors import matching_ids
    from opensales.search.tokens import syllables

    admin = tenant.made["users"]["admin"]
    customer = unscoped(Customer).filter(kind="company", name__regex=r"^[\u4e00-\u9fff]{4}").first()
    query = "".join(syllables(customer.name[:4]))
    ids = set(matching_ids(admin, Customer, query).values_list("object_id", flat=True))
    assert customer.pk in ids


def test_a_rep_sees_his_own_and_the_pool(tenant):
    from opensales.customers.models import Customer

    rep = tenant.made["users"]["rep_sh1"]
    visible = Customer.objects.visible_to(rep)
    assert visible.filter(owner=rep).exists()
    assert not visible.exclude(owner=rep).exclude(owner__isnull=True).exists()
    assert (
        visible.count()
        == unscoped(Customer).filter(owner=rep).count()
        + unscoped(Customer).filter(owner__isnull=True).count()
    )


def test_the_load_writes_one_audit_event_per_step(tenant):
    from opensales.audit.models import AuditEvent

    steps = set(AuditEvent.objects.filter(action="demo.bulk_load").values_list("object_repr", flat=True))
    assert steps == {"products", "customers", "leads", "follow-ups"}


def test_plain_rows_read_back_as_the_models_write_them(tenant):
    """The follow-ups and stage history go in as tuples (no model instances): defaults, local working
    hours, the owners' ids, and the tables' id sequences stay usable for the services afterwards."""
    from opensales.activities.models import FollowUp
    from opensales.deals.models import Opportunity, StageHistory

    bulk = unscoped(FollowUp).filter(customer__isnull=False).order_by("-pk")[:300]
    assert len(bulk) == 300
    for fu in bulk:
        local = timezone.localtime(fu.at)
        assert 8 <= local.hour <= 18 and local.minute in (0, 15, 30, 45) and local.second == 0
        assert fu.version == 1 and fu.deleted_at is None and fu.checkin_address == ""
        assert fu.updated_at == fu.at and fu.created_at <= fu.at
        assert fu.owner_id and (fu.outcome != "") == (fu.status == "done")
        assert fu.contact_id is None or fu.contact.customer_id == fu.customer_id
        assert fu.opportunity_id is None or fu.opportunity.customer_id == fu.customer_id
    assert {fu.status for fu in unscoped(FollowUp)} == {"done", "planned", "cancelled"}
    deals = tenant.made["bulk"]["deals_of"]
    sample = [pk for pks in list(deals.values())[:20] for pk in pks]
    for deal in unscoped(Opportunity).filter(pk__in=sample).select_related("stage"):
        rows = list(StageHistory.objects.filter(opportunity=deal).order_by("changed_at", "pk"))
        assert rows and rows[0].changed_at == deal.created_at and rows[-1].stage_id == deal.stage_id
        assert all(r.changed_by_id == deal.owner_id and r.amount == deal.amount for r in rows)
    # New rows after the load get fresh ids (PostgreSQL: the sequences moved with the load).
    fu = unscoped(FollowUp).first()
    fu.pk = None
    fu.save()
    assert fu.pk > max(f.pk for f in bulk)


def test_the_load_ends_with_fresh_statistics(tenant):
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'activities_followup'")
        else:
            cur.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'activities_followup'")
        assert cur.fetchone()[0] > 0
