"""Posting, editing and deleting comments: who is notified, who may do what, what is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opensales.audit.models import AuditEvent
from opensales.comments import services
from opensales.comments.models import Comment
from opensales.notifications.models import Notification

pytestmark = pytest.mark.django_db


def mention_recipients():
    return set(Notification.objects.filter(kind="mention").values_list("recipient__username", flat=True))


def test_mentions_notify_exactly_those_who_can_see_the_record(cast, account):
    result = services.comment_add(
        actor=cast["rep_sh1"], record=account, body="请@王海涛看一下，@陈静 也看看；@刘洋 @徐丽 @nobody"
    )
    # manager_east (王海涛) and lead_sh (陈静) see rep_sh1's account; rep_sh2 (刘洋) and rep_gz1 (徐丽) do not.
    assert mention_recipients() == {"manager_east", "lead_sh"}
    assert {u.username for u in result.comment.mentions.all()} == {"manager_east", "lead_sh"}
    assert [u.username for u in result.unreachable] == ["rep_sh2", "rep_gz1"]
    note = Notification.objects.get(recipient=cast["manager_east"])
    assert note.title == "张伟 在 上海客户 中提到了你"
    assert note.object_id == str(account.pk)
    assert note.url == ""  # the test model has no page


def test_chinese_name_adjacent_to_text_and_a_username(cast, account):
    services.comment_add(actor=cast["manager_east"], record=account, body="请@张伟看一下，cc @director")
    assert mention_recipients() == {"rep_sh1", "director"}


def test_notification_links_to_the_record_page(cast):
    from opensales.org.models import Employee

    employee = Employee.objects.unscoped(reason="test").get(user=cast["rep_sh2"])
    services.comment_add(actor=cast["rep_sh1"], record=employee, body="@王海涛 请看")
    note = Notification.objects.get(recipient=cast["manager_east"])
    assert note.url == f"/org/employees/{employee.pk}/"


def test_a_mention_of_oneself_is_ignored(cast, account):
    result = services.comment_add(actor=cast["rep_sh1"], record=account, body="@张伟 自己记一下")
    assert mention_recipients() == set()
    assert result.unreachable == []


def test_inactive_users_are_not_mentioned(cast, account):
    lead = cast["lead_sh"]
    lead.is_active = False
    lead.save()
    services.comment_add(actor=cast["rep_sh1"], record=account, body="@陈静 看一下")
    assert mention_recipients() == set()


def test_posting_needs_view_on_the_record(cast, account):
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=cast["rep_sh2"], record=account, body="hi")
    assert Comment.objects.count() == 0


def test_empty_and_too_long_bodies_are_refused(cast, account):
    with pytest.raises(ValidationError):
        services.comment_add(actor=cast["rep_sh1"], record=account, body="   ")
    with pytest.raises(ValidationError):
        services.comment_add(actor=cast["rep_sh1"], record=account, body="字" * 5001)
    services.comment_add(actor=cast["rep_sh1"], record=account, body="字" * 5000)
    assert Comment.objects.count() == 1


def test_edit_by_the_author_notifies_only_new_mentions(cast, account):
    comment = services.comment_add(actor=cast["rep_sh1"], record=account, body="@王海涛 看").comment
    Notification.objects.all().delete()
    services.comment_edit(actor=cast["rep_sh1"], comment=comment, record=account, body="@王海涛 @陈静 看")
    assert mention_recipients() == {"lead_sh"}
    comment.refresh_from_db()
    assert comment.edited_at is not None
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=cast["manager_east"], comment=comment, record=account, body="改")


def test_delete_author_or_who_may_delete_the_record(cast, account):
    comment = services.comment_add(actor=cast["rep_sh1"], record=account, body="one").comment
    with pytest.raises(PermissionDenied):  # the director sees the account; reps' comments are theirs
        services.comment_delete(actor=cast["finance"], comment=comment, record=account)
    services.comment_delete(actor=cast["admin"], comment=comment, record=account)
    own = services.comment_add(actor=cast["manager_east"], record=account, body="two").comment
    services.comment_delete(actor=cast["manager_east"], comment=own, record=account)
    assert Comment.objects.count() == 0


def test_every_write_is_audited_on_the_record(cast, account):
    comment = services.comment_add(actor=cast["rep_sh1"], record=account, body="@王海涛 @刘洋 看").comment
    services.comment_edit(actor=cast["rep_sh1"], comment=comment, record=account, body="改过")
    pk = comment.pk
    services.comment_delete(actor=cast["rep_sh1"], comment=comment, record=account)
    events = list(
        AuditEvent.objects.filter(object_type="scopeapp.account", object_id=str(account.pk))
        .order_by("id")
        .values_list("action", "actor_username", "changes")
    )
    assert events == [
        (
            "comment.add",
            "rep_sh1",
            {
                "comment": pk,
                "body": "@王海涛 @刘洋 看",
                "mentions": ["manager_east"],
                "not_notified": ["rep_sh2"],
            },
        ),
        ("comment.edit", "rep_sh1", {"comment": pk, "body": ["@王海涛 @刘洋 看", "改过"]}),
        ("comment.delete", "rep_sh1", {"comment": pk, "author": "rep_sh1", "body": "改过"}),
    ]
