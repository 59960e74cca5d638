"""The bulk pages: the run endpoint (redirects back with a message, 403 without the action, 404 for an
unknown list), the toolbar partial, and the job pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from opensales.bulk.models import Job
from opensales.workspace.models import TaggedItem

pytestmark = pytest.mark.django_db

RUN = reverse("bulk:run", args=["scope-accounts"])
HOME = reverse("core:home")


def tagged(tag):
    return set(TaggedItem.objects.filter(tag__name=tag).values_list("object_id", flat=True))


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_run_selected_rows(cast, accounts, login):
    client = login(cast["rep_sh1"])
    rows = [accounts["上海甲"].pk, accounts["上海乙"].pk]
    response = client.post(
        RUN, {"action": "add_tags", "ids": rows, "add_tags-tags": "重点", "query": "q=上海&page=2"}
    )
    assert response.status_code == 302
    assert response["Location"] == HOME + "?q=%E4%B8%8A%E6%B5%B7"  # back to the list, without the page
    assert tagged("重点") == set(rows)
    assert texts(response) and "2" in texts(response)[0]


def test_run_with_a_foreign_row_changes_nothing_and_says_so(cast, accounts, login):
    client = login(cast["rep_sh1"])
    response = client.post(
        RUN,
        {"action": "add_tags", "ids": [accounts["上海甲"].pk, accounts["上海丁"].pk], "add_tags-tags": "x"},
    )
    assert response.status_code == 302
    assert tagged("x") == set()
    [message] = texts(response)
    assert message == "部分所选记录不存在或超出您的操作权限范围，未做任何修改。"


def test_run_all_matching(cast, accounts, login):
    client = login(cast["manager_east"])
    client.post(
        RUN,
        {
            "action": "add_tags",
            "all": "1",
            "query": "q=上海",
            "ids": [accounts["广州甲"].pk],
            "add_tags-tags": "全部",
        },
    )
    assert tagged("全部") == {accounts[n].pk for n in ("上海甲", "上海乙", "上海丙", "上海丁", "上海戊")}


def test_run_refusals(cast, accounts, login):
    assert (
        login(cast["finance"])
        .post(RUN, {"action": "add_tags", "ids": [accounts["上海甲"].pk], "add_tags-tags": "x"})
        .status_code
        == 403
    )
    assert (
        login(cast["director"]).post(reverse("bulk:run", args=["nope"]), {"action": "add_tags"}).status_code
        == 404
    )
    assert login(cast["director"]).get(RUN).status_code == 405
    response = login(None).post(RUN, {"action": "add_tags"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_large_batch_redirects_to_its_job(cast, accounts, login, settings):
    settings.OPENSALES_BULK_SYNC_LIMIT = 2
    client = login(cast["manager_east"])
    response = client.post(RUN, {"action": "add_tags", "all": "1", "query": "", "add_tags-tags": "大"})
    job = Job.objects.get(user=cast["manager_east"])
    assert response["Location"] == reverse("bulk:job", args=[job.pk])
    assert job.params == {"params": {"tags": ["大"]}, "query": ""}


def render_toolbar(user, view, total=12, exact=True):
    request = RequestFactory().get("/")
    request.user = user
    request.csp_nonce = "n0nce"
    return render_to_string(
        "bulk/_toolbar.html",
        {
            "model_view": view,
            "query": "q=上海",
            "total": total,
            "total_exact": exact,
            "user": user,
            "csp_nonce": "n0nce",
        },
        request=request,
    )


def test_toolbar_offers_what_the_user_may_do(cast, view):
    html = render_toolbar(cast["manager_east"], view)
    for key in ("change_owner", "add_tags", "remove_tags", "add_collaborators", "delete"):
        assert f'data-bulk-action="{key}"' in html
    assert 'id="bulk-form"' in html and 'name="all" value="1"' in html
    assert 'name="query" value="q=上海"' in html
    assert "export-xlsx" in html and "format=csv&amp;q=上海" in html
    # bulk.js and bulk.css are loaded once by the list page (workspace/list.html), not in the toolbar.
    # Fields of closed panels must not block another action's submission.
    assert not re.search(r"<(input|select|textarea)[^>]*\srequired", html)

    rep = render_toolbar(cast["rep_sh1"], view)
    assert 'data-bulk-action="delete"' not in rep and "export-xlsx" not in rep
    assert 'data-bulk-action="add_tags"' in rep

    finance = render_toolbar(cast["finance"], view)
    assert 'id="bulk-form"' not in finance and "export-xlsx" in finance


def test_job_list_shows_only_my_jobs(cast, login):
    mine = Job.objects.create(kind="export", user=cast["rep_sh1"], list_key="scope-accounts", action="csv")
    Job.objects.create(kind="export", user=cast["rep_sh2"], list_key="scope-accounts", action="csv")
    html = login(cast["rep_sh1"]).get(reverse("bulk:job_list")).content.decode()
    assert html.count("data-row-id=") == 1 and f'data-row-id="{mine.pk}"' in html
