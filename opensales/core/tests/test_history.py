"""core.history: foreign keys shown by label, resolved in one query per related model."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensales.core.history import history_rows
from opensales.customers import services
from opensales.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _change_owner(customer, actor, owner):
    return services.customer_update(
        actor=actor, customer=customer, expected_version=customer.version, owner=owner, lifecycle="won"
    )


def test_foreign_keys_and_choices_show_labels(cast):
    c = make_customer(cast["rep_sh1"], name="历史客户")
    c = _change_owner(c, cast["manager_east"], cast["rep_sh2"])
    changes = {ch["name"]: ch for ch in history_rows(c, user=cast["manager_east"])[0]["changes"]}
    assert changes["owner"]["old"] == cast["rep_sh1"].get_full_name()
    assert changes["owner"]["new"] == cast["rep_sh2"].get_full_name()
    assert str(changes["lifecycle"]["new"]) in ("Won", "成交")


def test_scoped_related_records_the_viewer_cannot_see_show_as_ids(cast):
    parent = make_customer(cast["rep_gz1"], name="广州母公司")
    c = make_customer(cast["rep_sh1"], name="子公司")
    c = services.customer_update(
        actor=cast["director"], customer=c, expected_version=c.version, parent=parent
    )
    row = history_rows(c, user=cast["rep_sh1"])[0]
    assert row["changes"][0]["new"] == f"#{parent.pk}"
    assert history_rows(c, user=cast["director"])[0]["changes"][0]["new"] == "广州母公司"


def test_one_query_per_related_model_whatever_the_rows(cast):
    c = make_customer(cast["rep_sh1"], name="查询次数")
    owners = [cast["rep_sh2"], cast["rep_sh1"]]
    c = _change_owner(c, cast["director"], owners[0])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            history_rows(c, user=cast["director"])
        return len(ctx)

    few = count()
    for i in range(8):
        c = _change_owner(c, cast["director"], owners[i % 2])
    assert count() == few
