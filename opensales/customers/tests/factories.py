"""Helpers for the customers tests: customers and contacts through the services."""

from __future__ import annotations

from typing import Any


def make_customer(owner: Any, name: str = "矩阵测试客户有限公司", **fields: Any):
    from opensales.customers.services import customer_create

    return customer_create(actor=owner, owner=owner, name=name, **fields)


def make_pool_customer(name: str = "公海测试客户", pool_name: str = "华东公海", departments=("EAST",)):
    from opensales.customers.models import CustomerPool
    from opensales.customers.services import customer_create
    from opensales.org.models import Department

    pool, created = CustomerPool.objects.get_or_create(name=pool_name)
    if created:
        for code in departments:
            pool.departments.add(Department.objects.unscoped(reason="test").get(code=code))
    return customer_create(actor=None, owner=None, pool=pool, name=name)


def make_contact(customer: Any, name: str = "李明", **fields: Any):
    from opensales.customers.services import contact_create

    fields.setdefault("mobile", "13800138000")
    return contact_create(actor=customer.owner, customer=customer, name=name, **fields)
