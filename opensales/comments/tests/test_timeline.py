"""The timeline: comments, history changes, audit events and files merged newest first, in a constant
number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from opensales.attachments.services import attachment_add, attachment_downloaded
from opensales.audit.services import record as audit
from opensales.comments import services
from opensales.comments.selectors import timeline

pytestmark = pytest.mark.django_db


def _change(account, name):
    account.name = name
    account.save()


def test_timeline_merges_newest_first(cast, account, media):
    services.comment_add(actor=cast["rep_sh1"], record=account, body="第一条")
    _change(account, "上海客户（改名）")
    attachment = attachment_add(
        actor=cast["rep_sh1"], record=account, upload=SimpleUploadedFile("说明.txt", "你好".encode())
    )
    attachment_downloaded(actor=cast["rep_sh1"], attachment=attachment, record=account, inline=False)
    audit(action="account.claim", actor=cast["manager_east"], obj=account)
    audit(action="account.view", actor=cast["manager_east"], obj=account)  # a read: not shown
    c2 = services.comment_add(actor=cast["manager_east"], record=account, body="第二条").comment
    services.comment_delete(actor=cast["manager_east"], comment=c2, record=account)

    with translation.override("en"):
        items = timeline(account, cast["rep_sh1"], limit=50)
        kinds = [(i.kind, str(i.text)) for i in items]
    assert kinds == [
        ("event", "deleted a comment"),
        ("event", "account.claim"),
        ("file", "说明.txt"),
        ("change", "Changed"),
        ("comment", "第一条"),
        ("change", "Created"),
    ]
    change = items[3]
    assert [(c["old"], c["new"]) for c in change.changes] == [("上海客户", "上海客户（改名）")]
    assert items[1].who == cast["manager_east"] and items[1].who_name == "王海涛"


def test_limit_cuts_the_merged_list(cast, account):
    for n in range(5):
        services.comment_add(actor=cast["rep_sh1"], record=account, body=f"c{n}")
    items = timeline(account, cast["rep_sh1"], limit=3)
    assert [i.text for i in items] == ["c4", "c3", "c2"]


def _queries(account, user):
    with CaptureQueriesContext(connection) as ctx:
        timeline(account, user, limit=50)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_items(cast, account, media):
    user = cast["rep_sh1"]

    def one_of_each(n):
        services.comment_add(actor=cast["manager_east"] if n % 2 else user, record=account, body=f"@陈静 {n}")
        _change(account, f"name {n}")
        attachment_add(actor=user, record=account, upload=SimpleUploadedFile(f"{n}.csv", b"a,b\n1,2\n"))
        audit(action="account.claim", actor=cast["director"], obj=account)

    one_of_each(0)
    few = _queries(account, user)
    for n in range(1, 7):
        one_of_each(n)
    assert len(timeline(account, user, limit=50)) == 7 * 4 + 1  # and the creation
    assert _queries(account, user) == few
    assert few <= 7
