"""The home page: widgets per role, and a query count that does not grow with the data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def widgets(response) -> list[str]:
    import re

    return re.findall(r'data-widget="([\w-]+)"', response.content.decode())


def test_every_user_gets_the_widgets_of_their_roles(cast, login):
    shown = widgets(login(cast["rep_sh1"]).get("/"))
    assert {"workspace_lists", "notifications", "profile"} <= set(shown)
    assert shown[-1] == "profile"  # modules' widgets first, the profile last
    # A rep's home has no team widgets; a manager's has (deals/home.py).
    assert "deals_team" not in shown
    assert "deals_team" in widgets(login(cast["manager_east"]).get("/"))
    body = login(cast["rep_sh1"]).get("/").content.decode()
    assert "/org/employees/" in body and "/org/departments/" in body


def test_saved_views_appear_under_their_list(cast, login):
    from opensales.workspace.models import SavedView

    SavedView.objects.create(
        owner=cast["rep_sh1"], list_key="employees", name="我的团队", query="status=active"
    )
    body = login(cast["rep_sh1"]).get("/").content.decode()
    assert "我的团队" in body
    assert "我的团队" not in login(cast["rep_sh2"]).get("/").content.decode()


def test_home_query_count_is_flat(cast, login):
    from opensales.notifications.services import notify
    from opensales.workspace.models import SavedView

    client = login(cast["rep_sh1"])
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(8):
        SavedView.objects.create(owner=cast["rep_sh1"], list_key="employees", name=f"v{i}")
    notify(recipients=[cast["rep_sh1"]], kind="system", title="t", actor=cast["admin"])
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
