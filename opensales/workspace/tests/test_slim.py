"""The API list's slim records (workspace/slim.py): only the fields the columns read, one values query,
and the same answer as whole records for every model."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from opensales.api.tests.helpers import Api
from opensales.core.actions import Action
from opensales.core.demo import generate
from opensales.customers.models import Customer
from opensales.customers.tests.factories import make_customer, make_pool_customer
from opensales.workspace import api as workspace_api
from opensales.workspace.listing import page_rows
from opensales.workspace.registry import Column, all_views
from opensales.workspace.slim import column_fields, field_path, list_fields

pytestmark = pytest.mark.django_db

# The busy lists: a column added without saying what it reads must not quietly make them whole again.
SLIM = {"customers", "contacts", "leads", "opportunities", "follow-ups"}


def test_paths_of_fields_are_derived_and_anything_else_is_unknown():
    assert field_path(Customer, ["name"]) == "name"
    assert field_path(Customer, ["get_lifecycle_display"]) == "lifecycle"
    assert field_path(Customer, ["owner", "full_name"]) == "owner__full_name"
    assert field_path(Customer, ["owner_id"]) == "owner_id"
    assert field_path(Customer, ["owner"]) is None  # a record: its str() reads what it likes
    assert field_path(Customer, ["owner", "get_full_name"]) is None  # a method
    assert field_path(Customer, ["contacts"]) is None  # a reverse relation
    assert field_path(Customer, ["no_such_thing"]) is None
    assert column_fields(Customer, Column("x", _("X"), value=lambda c: c.name)) is None
    assert column_fields(Customer, Column("x", _("X"), value=lambda c: c.name, needs=("name",))) == ("name",)


def test_the_busy_lists_are_read_slim():
    for mv in all_views():
        if mv.key in SLIM:
            assert list_fields(mv) is not None, mv.key


def test_slim_records_answer_what_whole_records_do_for_every_model(db):
    generate(size="small", log=lambda m: None)  # the demo story: records of every model, pool customers
    director = get_user_model().objects.get(username="director")
    compared = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for mv in all_views():
                fields = list_fields(mv)
                if not mv.api or fields is None:
                    continue
                qs = mv.queryset(director, Action.VIEW).order_by("-pk")
                whole = mv.prepare_rows(page_rows(qs, 0, 200), director)
                with CaptureQueriesContext(connection) as read:
                    slim = page_rows(qs, 0, 200, fields)
                assert len(read) == (2 if slim else 1), mv.key  # the ids, then the values: no per-row reads
                mv.prepare_rows(slim, director)
                readers = workspace_api._readers(mv)
                with CaptureQueriesContext(connection) as serialized:
                    items = [workspace_api._serialize(readers, r) for r in slim]
                assert not serialized.captured_queries, (mv.key, serialized.captured_queries[0]["sql"])
                assert items == [workspace_api._serialize(readers, r) for r in whole], mv.key
                compared.add(mv.key) if items else None
    assert compared >= SLIM
    pool_customers = Customer.objects.unscoped(reason="test").filter(owner__isnull=True)
    assert pool_customers.exists()  # the owner cell of a customer in the pool was compared too


def test_the_api_list_reads_slim_records(cast):
    make_customer(cast["rep_sh1"], name="上海甲公司")
    make_pool_customer(name="公海客户")
    api = Api(cast["director"])
    api.get("/api/v1/customers")  # warm-up
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/customers").json()
    rows = [
        q["sql"]
        for q in queries.captured_queries
        if '"accounts_user"' in q["sql"] and "customers_customer" in q["sql"]
    ]
    assert len(rows) == 1 and '"accounts_user"."password"' not in rows[0]  # only the owner's names
    owners = {i["name"]: i["owner"] for i in body["items"]}
    assert owners["上海甲公司"] == cast["rep_sh1"].get_full_name()
    assert owners["公海客户"] == "公海"  # "Public pool" in the default language
