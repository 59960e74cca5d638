"""Bulk actions: the scope check on every row (one foreign row rejects the batch and changes nothing), each
built-in action through its service with one audit event, "all matching the filter", and large batches
through a background job with progress and a notification."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from opensales.audit.models import AuditEvent
from opensales.bulk import services
from opensales.bulk.models import Job
from opensales.bulk.services import BulkError, BulkRejected, BulkResult, run_bulk
from opensales.core.actions import Action
from opensales.core.models import Collaborator
from opensales.notifications.models import Notification
from opensales.workspace.models import TaggedItem
from tests.scopeapp.models import Account

pytestmark = pytest.mark.django_db


def ids(accounts, *names):
    return [accounts[n].pk for n in names]


def owners(*records):
    return {
        a.name: a.owner.username
        for a in Account.objects.unscoped(reason="test")
        .filter(pk__in=[r.pk for r in records])
        .select_related("owner")
    }


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# --- Change owner --------------------------------------------------------------------------------


def test_change_owner_with_one_foreign_row_changes_nothing(cast, accounts, view):
    rows = [accounts["上海甲"], accounts["上海乙"], accounts["上海丁"]]  # 上海丁 belongs to rep_sh2
    before = owners(*rows)
    with pytest.raises(BulkRejected) as caught:
        run_bulk(
            actor=cast["rep_sh1"],
            view=view,
            action_key="change_owner",
            ids=[r.pk for r in rows],
            params={"owner": cast["rep_sh2"].pk},
        )
    assert caught.value.message == "部分所选记录不存在或超出您的操作权限范围，未做任何修改。"
    assert owners(*rows) == before
    assert set(
        Account.objects.unscoped(reason="t")
        .filter(pk__in=[r.pk for r in rows])
        .values_list("version", flat=True)
    ) == {1}
    assert events("bulk.change_owner") == []


def test_change_owner_writes_history_version_audit_and_tells_the_new_owner(cast, accounts, view):
    manager, new_owner = cast["manager_east"], cast["rep_sh2"]
    rows = ids(accounts, "上海甲", "上海乙", "上海丁")
    result = run_bulk(
        actor=manager, view=view, action_key="change_owner", ids=rows, params={"owner": new_owner.pk}
    )
    assert isinstance(result, BulkResult) and result.count == 3 and result.ids == rows
    records = Account.objects.unscoped(reason="t").filter(pk__in=rows)
    assert {a.owner_id for a in records} == {new_owner.pk}
    assert {a.version for a in records} == {2}
    history = Account.history.filter(id__in=rows, history_type="~")
    assert sorted(h.id for h in history) == sorted(rows)
    assert {h.history_user_id for h in history} == {manager.pk}
    [event] = events("bulk.change_owner")
    assert event.actor_id == manager.pk
    assert event.object_type == "scopeapp.account"
    assert event.changes["ids"] == rows
    assert event.changes["owner"] == {
        "old": {
            str(accounts["上海甲"].pk): cast["rep_sh1"].pk,
            str(accounts["上海乙"].pk): cast["rep_sh1"].pk,
            str(accounts["上海丁"].pk): cast["rep_sh2"].pk,
        },
        "new": new_owner.pk,
    }
    [note] = Notification.objects.filter(recipient=new_owner)
    assert note.kind == "assignment" and "3" in note.title


def test_change_owner_only_to_people_the_actor_may_see(cast, accounts, view):
    with pytest.raises(BulkError) as caught:
        run_bulk(
            actor=cast["rep_sh1"],
            view=view,
            action_key="change_owner",
            ids=ids(accounts, "上海甲"),
            params={"owner": cast["rep_gz1"].pk},  # another region: not in a rep's employee scope
        )
    assert set(caught.value.fields) == {"owner"}
    assert owners(accounts["上海甲"]) == {"上海甲": "rep_sh1"}


def test_change_owner_falls_back_to_change_when_the_model_has_no_assign(view):
    from opensales.bulk.actions import CHANGE_OWNER, required_action

    assert CHANGE_OWNER.action == Action.ASSIGN
    assert Action.ASSIGN not in view.scope_entry().actions
    assert required_action(view, CHANGE_OWNER) == Action.CHANGE


def test_no_grant_of_the_action_at_all_is_permission_denied(cast, accounts, view):
    with pytest.raises(PermissionDenied):
        run_bulk(
            actor=cast["finance"],  # view/export only
            view=view,
            action_key="add_tags",
            ids=ids(accounts, "上海甲"),
            params={"tags": "重点"},
        )


# --- Tags, collaborators, delete --------------------------------------------------------------


def tagged(accounts, tag):
    return set(TaggedItem.objects.filter(tag__name=tag).values_list("object_id", flat=True))


def test_add_and_remove_tags(cast, accounts, view):
    rep = cast["rep_sh1"]
    rows = ids(accounts, "上海甲", "上海乙")
    result = run_bulk(actor=rep, view=view, action_key="add_tags", ids=rows, params={"tags": "重点，VIP"})
    assert result.count == 2
    assert tagged(accounts, "重点") == set(rows) and tagged(accounts, "VIP") == set(rows)
    [event] = events("tags.add")
    assert event.changes == {"ids": rows, "tags": ["VIP", "重点"]}
    run_bulk(actor=rep, view=view, action_key="remove_tags", ids=rows[:1], params={"tags": ["VIP"]})
    assert tagged(accounts, "VIP") == {rows[1]}
    assert tagged(accounts, "重点") == set(rows)
    assert len(events("tags.remove")) == 1


def test_tags_need_a_name(cast, accounts, view):
    with pytest.raises(BulkError) as caught:
        run_bulk(
            actor=cast["rep_sh1"],
            view=view,
            action_key="add_tags",
            ids=ids(accounts, "上海甲"),
            params={"tags": " , "},
        )
    assert set(caught.value.fields) == {"tags"}


def test_add_collaborators_then_the_collaborator_sees_the_record(cast, accounts, view):
    rep, colleague = cast["rep_sh1"], cast["rep_sh2"]
    row = accounts["上海甲"]
    assert not Account.objects.visible_to(colleague, Action.VIEW).filter(pk=row.pk).exists()
    run_bulk(
        actor=rep,
        view=view,
        action_key="add_collaborators",
        ids=[row.pk],
        params={"users": [colleague.pk], "level": "read"},
    )
    assert Account.objects.visible_to(colleague, Action.VIEW).filter(pk=row.pk).exists()
    assert not Account.objects.visible_to(colleague, Action.CHANGE).filter(pk=row.pk).exists()
    run_bulk(
        actor=rep,
        view=view,
        action_key="add_collaborators",
        ids=[row.pk],
        params={"users": [colleague.pk], "level": "edit"},
    )
    assert Collaborator.objects.get(object_id=row.pk, user=colleague).level == "edit"
    assert Account.objects.visible_to(colleague, Action.CHANGE).filter(pk=row.pk).exists()
    first, second = events("bulk.add_collaborators")
    assert first.changes == {"ids": [row.pk], "users": [colleague.pk], "level": "read"}
    assert second.changes["level"] == "edit"


def _recyclebin_services(monkeypatch):
    """opensales.recyclebin.services, or a stand-in module while it is being written."""
    import sys
    import types

    try:
        from opensales.recyclebin import services as recyclebin
    except ImportError:
        recyclebin = types.ModuleType("opensales.recyclebin.services")
        monkeypatch.setitem(sys.modules, "opensales.recyclebin.services", recyclebin)
    return recyclebin


def test_delete_goes_through_soft_delete_many(cast, accounts, view, monkeypatch):
    recyclebin = _recyclebin_services(monkeypatch)
    calls = []
    monkeypatch.setattr(
        recyclebin,
        "soft_delete_many",
        lambda *, actor, model, ids: calls.append((actor, model, list(ids))),
        raising=False,
    )
    manager = cast["manager_east"]
    rows = ids(accounts, "上海甲", "上海丁")
    result = run_bulk(actor=manager, view=view, action_key="delete", ids=rows)
    assert result.count == 2
    assert calls == [(manager, Account, rows)]
    with pytest.raises(BulkRejected):  # 广州甲 is outside 华东
        run_bulk(actor=manager, view=view, action_key="delete", ids=ids(accounts, "上海甲", "广州甲"))
    assert len(calls) == 1
    with pytest.raises(PermissionDenied):  # reps may not delete
        run_bulk(actor=cast["rep_sh1"], view=view, action_key="delete", ids=ids(accounts, "上海甲"))


def test_delete_really_moves_to_the_recycle_bin(cast, accounts, view):
    try:
        from opensales.recyclebin import services as recyclebin
    except ImportError:
        recyclebin = None
    if not hasattr(recyclebin, "soft_delete_many"):
        pytest.skip("opensales.recyclebin.services.soft_delete_many is not built yet")
    manager = cast["manager_east"]
    rows = ids(accounts, "上海甲", "上海丁")
    run_bulk(actor=manager, view=view, action_key="delete", ids=rows)
    assert not Account.objects.visible_to(manager, Action.VIEW).filter(pk__in=rows).exists()


def test_an_action_the_view_does_not_offer_is_refused(cast, accounts, view, monkeypatch):
    from opensales.bulk import actions

    monkeypatch.setattr(view, "bulk_actions", (actions.ADD_TAGS,))
    with pytest.raises(BulkError) as caught:
        run_bulk(actor=cast["manager_east"], view=view, action_key="delete", ids=ids(accounts, "上海甲"))
    assert set(caught.value.fields) == {"action"}


def test_a_models_own_action_runs_on_the_scoped_rows(cast, accounts, view, monkeypatch):
    from opensales.workspace.registry import BulkAction

    seen = []

    def to_pool(actor, queryset, params):
        seen.append(sorted(queryset.values_list("pk", flat=True)))
        return queryset.update(in_pool=True)

    monkeypatch.setattr(view, "bulk_actions", (BulkAction("to_pool", "放入公海", run=to_pool),))
    rows = ids(accounts, "上海甲", "上海乙")
    result = run_bulk(actor=cast["rep_sh1"], view=view, action_key="to_pool", ids=rows)
    assert result.count == 2 and seen == [sorted(rows)]
    [event] = events("bulk.to_pool")
    assert event.changes["ids"] == rows


# --- All matching the filter ----------------------------------------------------------------


def test_all_matching_the_filter_is_exactly_the_filtered_rows_in_scope(cast, accounts, view):
    # "上海" matches 上海甲…戊 and 上海广州乙 (rep_gz1's, outside 华东): the manager gets the 5 in scope.
    result = run_bulk(
        actor=cast["manager_east"],
        view=view,
        action_key="add_tags",
        query="q=上海&page=3",
        params={"tags": "华东"},
    )
    expected = set(ids(accounts, "上海甲", "上海乙", "上海丙", "上海丁", "上海戊"))
    assert set(result.ids) == expected
    assert tagged(accounts, "华东") == expected
    # A rep's "all" is their own rows (the pool account is visible to them, but not changeable).
    result = run_bulk(
        actor=cast["rep_sh2"], view=view, action_key="add_tags", query="", params={"tags": "我的"}
    )
    assert tagged(accounts, "我的") == set(ids(accounts, "上海丁", "上海戊"))


def test_nothing_selected(cast, accounts, view):
    with pytest.raises(BulkError):
        run_bulk(actor=cast["rep_sh1"], view=view, action_key="add_tags", ids=[], params={"tags": "x"})
    with pytest.raises(BulkError):
        run_bulk(
            actor=cast["rep_sh1"], view=view, action_key="add_tags", query="q=没有这个", params={"tags": "x"}
        )
    with pytest.raises(BulkRejected):
        run_bulk(actor=cast["rep_sh1"], view=view, action_key="add_tags", ids=["abc"], params={"tags": "x"})


# --- Large batches: a job in the worker ------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.OPENSALES_BULK_SYNC_LIMIT = 2


def test_a_large_batch_runs_as_a_job_with_progress_and_a_notification(
    cast, accounts, view, small_limit, monkeypatch, django_capture_on_commit_callbacks
):
    from opensales.bulk import progress

    reported = []
    original = progress.report_progress
    monkeypatch.setattr(
        progress, "report_progress", lambda job, done: (reported.append(done), original(job, done))
    )
    manager, new_owner = cast["manager_east"], cast["rep_sh2"]
    monkeypatch.setattr(services, "CHUNK", 2)
    rows = ids(accounts, "上海甲", "上海乙", "上海丙")
    with django_capture_on_commit_callbacks(execute=True):
        job = run_bulk(
            actor=manager, view=view, action_key="change_owner", ids=rows, params={"owner": new_owner.pk}
        )
        assert isinstance(job, Job)
        assert job.state == Job.State.PENDING and job.total == 3
        assert owners(accounts["上海甲"]) == {"上海甲": "rep_sh1"}  # nothing yet: the worker does it
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error
    assert (job.total, job.done, job.percent) == (3, 3, 100)
    assert reported == [2, 3]
    assert job.finished_at is not None and job.started_at is not None
    assert set(owners(*[accounts[n] for n in ("上海甲", "上海乙", "上海丙")]).values()) == {"rep_sh2"}
    assert len(events("bulk.change_owner")) == 1
    [note] = Notification.objects.filter(recipient=manager, kind="bulk_job")
    assert note.url == reverse("bulk:job", args=[job.pk])
    assert "3" in note.title


def test_a_job_whose_rows_left_the_scope_fails_whole_and_says_why(
    cast, accounts, view, small_limit, django_capture_on_commit_callbacks
):
    manager = cast["manager_east"]
    rows = ids(accounts, "上海甲", "上海乙", "上海丙")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = run_bulk(actor=manager, view=view, action_key="add_tags", ids=rows, params={"tags": "迟到"})
    # Meanwhile one account moves to another region.
    Account.objects.unscoped(reason="t").filter(pk=rows[2]).update(owner=cast["rep_gz1"])
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error and "Traceback" not in job.error
    assert tagged(accounts, "迟到") == set()
    assert Notification.objects.filter(recipient=manager, kind="bulk_job").count() == 1


def test_a_job_runs_once(cast, accounts, view, small_limit, django_capture_on_commit_callbacks):
    from opensales.bulk.tasks import run_job

    with django_capture_on_commit_callbacks(execute=True):
        job = run_bulk(
            actor=cast["manager_east"],
            view=view,
            action_key="add_tags",
            ids=ids(accounts, "上海甲", "上海乙", "上海丙"),
            params={"tags": "一次"},
        )
    assert run_job.call(job.pk) == "skipped"
    assert len(events("tags.add")) == 1


def test_change_owner_keeps_the_search_index_right(cast, accounts, view):
    from opensales.search.models import SearchEntry
    from opensales.search.registry import register_search, unregister_search

    register_search(
        Account,
        key="bulk-test-accounts",
        title="name",
        subtitle="owner.username",
        url=lambda entry: "/",
        select_related=["owner"],
    )
    try:
        row = accounts["上海甲"]
        row.save()  # indexed through the usual signal
        run_bulk(
            actor=cast["manager_east"],
            view=view,
            action_key="change_owner",
            ids=[row.pk],
            params={"owner": cast["rep_sh2"].pk},
        )
        assert SearchEntry.objects.get(object_id=row.pk, title="上海甲").subtitle == "rep_sh2"
    finally:
        unregister_search(Account)
