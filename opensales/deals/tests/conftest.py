from __future__ import annotations

from decimal import Decimal

import pytest


def make_customer(owner, name="上海华信科技有限公司"):
    from opensales.customers.models import Customer

    return Customer.objects.create(name=name, owner=owner)


def make_product(code="P-001", price="1000", name="CRM 标准版"):
    from opensales.products.models import Product

    return Product.objects.create(code=code, name=name, list_price=Decimal(price))


def make_deal(owner, customer=None, name="华信 CRM 项目", **kw):
    from opensales.deals.services import opportunity_create

    return opportunity_create(actor=owner, customer=customer or make_customer(owner), name=name, **kw)


@pytest.fixture
def pipeline(db):
    from opensales.deals.services import default_pipeline

    return default_pipeline()


@pytest.fixture
def stages(pipeline):
    return {s.name: s for s in pipeline.stages.all()}
