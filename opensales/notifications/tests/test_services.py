"""notify, the e-mails it queues, marking read, and preferences: exact rows, exact mails."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.http import Http404
from django.test import override_settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from opensales.audit.models import AuditEvent
from opensales.notifications import services
from opensales.notifications.kinds import Kind, all_kinds, get_kind, register_kind
from opensales.notifications.models import Notification, NotificationPreference
from opensales.notifications.selectors import effective_preferences, unread_count
from opensales.notifications.tasks import send_notification_emails
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db


def rows():
    return list(
        Notification.objects.order_by("recipient__username").values_list(
            "recipient__username", "kind", "actor__username", "title", "body", "url", "read_at"
        )
    )


def send(commit, **kwargs):
    """notify() and run what it queued on commit (the test transaction never commits)."""
    with commit(execute=True) as callbacks:
        made = services.notify(**kwargs)
    return made, callbacks


# --- notify: the rows ---------------------------------------------------------------------------


def test_notify_makes_one_row_per_recipient_never_for_the_actor(cast, django_capture_on_commit_callbacks):
    manager = cast["manager_east"]
    made, _ = send(
        django_capture_on_commit_callbacks,
        recipients=[cast["rep_sh1"], cast["rep_sh2"], manager, cast["rep_sh1"], None],
        kind=Kind.ASSIGNMENT,
        actor=manager,
        title="新任务：回访客户",
        body="周五前完成",
        url="/org/employees/",
    )
    assert [n.recipient.username for n in made] == ["rep_sh1", "rep_sh2"]
    assert rows() == [
        ("rep_sh1", "assignment", "manager_east", "新任务：回访客户", "周五前完成", "/org/employees/", None),
        ("rep_sh2", "assignment", "manager_east", "新任务：回访客户", "周五前完成", "/org/employees/", None),
    ]


def test_notify_with_only_the_actor_makes_nothing_and_queues_nothing(
    cast, django_capture_on_commit_callbacks
):
    made, callbacks = send(
        django_capture_on_commit_callbacks,
        recipients=[cast["rep_sh1"]],
        kind=Kind.MENTION,
        actor=cast["rep_sh1"],
        title="x",
    )
    assert made == []
    assert callbacks == []
    assert Notification.objects.count() == 0


def test_inactive_users_are_skipped(cast):
    rep = cast["rep_sh2"]
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    made = services.notify(recipients=[cast["rep_sh1"], rep], kind=Kind.SYSTEM, title="维护通知")
    assert [n.recipient.username for n in made] == ["rep_sh1"]


def test_target_is_stored_as_a_generic_reference(cast):
    employee = Employee.objects.unscoped(reason="test").get(user=cast["rep_sh2"])
    (n,) = services.notify(recipients=[cast["rep_sh1"]], kind=Kind.MENTION, target=employee, title="t")
    n = Notification.objects.get(pk=n.pk)
    assert n.content_type == ContentType.objects.get_for_model(Employee)
    assert n.object_id == str(employee.pk)
    assert n.target == employee


def test_titles_are_rendered_in_each_recipients_language(cast):
    cast["rep_sh2"].preferred_language = "en"
    cast["rep_sh2"].save(update_fields=["preferred_language"])
    title = format_lazy("{}：{}", gettext_lazy("Reminder"), "回访上海恒达贸易")
    services.notify(
        recipients=[cast["rep_sh1"], cast["rep_sh2"]],
        kind=Kind.MENTION,
        title=title,
        body=gettext_lazy("Mention"),
    )
    assert dict(Notification.objects.values_list("recipient__username", "title")) == {
        "rep_sh1": "提醒：回访上海恒达贸易",
        "rep_sh2": "Reminder：回访上海恒达贸易",
    }
    assert dict(Notification.objects.values_list("recipient__username", "body")) == {
        "rep_sh1": "提及",
        "rep_sh2": "Mention",
    }


def test_long_texts_are_cut_not_refused(cast):
    (n,) = services.notify(recipients=[cast["rep_sh1"]], kind=Kind.SYSTEM, title="长" * 300, body="b" * 900)
    assert n.title == "长" * 197 + "..."  # Django's Chinese ellipsis; "…" in English
    assert n.body == "b" * 497 + "..."


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "customers/1/",
        "/ok\nSet-Cookie: x",
        "/" + "a" * 500,
    ],
)
def test_urls_must_be_paths_on_this_site(cast, url):
    with pytest.raises(ValueError):
        services.notify(recipients=[cast["rep_sh1"]], kind=Kind.SYSTEM, title="t", url=url)
    assert Notification.objects.count() == 0


def test_unknown_kind_and_empty_title_are_refused(cast):
    with pytest.raises(ValueError):
        services.notify(recipients=[cast["rep_sh1"]], kind="nonsense", title="t")
    with pytest.raises(ValueError):
        services.notify(recipients=[cast["rep_sh1"]], kind=Kind.SYSTEM, title="  ")
    assert Notification.objects.count() == 0


def test_a_module_can_register_its_own_kind():
    info = register_kind("test_shipped", "Shipped", icon="ti-truck", email=True)
    try:
        assert get_kind("test_shipped") is info
        assert [k.code for k in all_kinds()][:5] == [
            "mention",
            "assignment",
            "reminder",
            "approval",
            "system",
        ]
        assert all_kinds()[-1] is info
    finally:
        from opensales.notifications import kinds

        del kinds._kinds["test_shipped"]


# --- notify: the e-mails -------------------------------------------------------------------------


def test_email_goes_only_to_recipients_who_opted_in_and_have_an_address(
    cast, django_capture_on_commit_callbacks
):
    rep_sh1, rep_sh2, rep_gz1, lead = cast["rep_sh1"], cast["rep_sh2"], cast["rep_gz1"], cast["lead_sh"]
    # rep_sh1: default (mentions by e-mail) · rep_sh2: opted out · rep_gz1: no address · lead_sh: default
    services.preferences_save(actor=rep_sh2, user=rep_sh2, email={Kind.MENTION: False})
    rep_gz1.email = ""
    rep_gz1.save(update_fields=["email"])
    made, callbacks = send(
        django_capture_on_commit_callbacks,
        recipients=[rep_sh1, rep_sh2, rep_gz1, lead],
        kind=Kind.MENTION,
        actor=cast["manager_east"],
        title="王海涛 在周报中提到了你",
        url="/notifications/",
    )
    assert len(made) == 4
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["lead_sh@example.com", "rep_sh1@example.com"]
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_kinds_that_default_to_app_only_send_no_mail_unless_chosen(cast, django_capture_on_commit_callbacks):
    rep_sh1, rep_sh2 = cast["rep_sh1"], cast["rep_sh2"]
    services.preferences_save(actor=rep_sh2, user=rep_sh2, email={Kind.REMINDER: True})
    _made, callbacks = send(
        django_capture_on_commit_callbacks, recipients=[rep_sh1, rep_sh2], kind=Kind.REMINDER, title="提醒"
    )
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["rep_sh2@example.com"]]


def test_nothing_is_queued_when_nobody_wants_mail(cast, django_capture_on_commit_callbacks):
    _made, callbacks = send(
        django_capture_on_commit_callbacks, recipients=[cast["rep_sh1"]], kind=Kind.SYSTEM, title="系统维护"
    )
    assert callbacks == []
    _made, callbacks = send(
        django_capture_on_commit_callbacks,
        recipients=[cast["rep_sh1"]],
        kind=Kind.MENTION,
        title="x",
        send_email=False,
    )
    assert callbacks == []
    assert mail.outbox == []


def test_no_mail_before_the_transaction_commits(cast):
    services.notify(recipients=[cast["rep_sh1"]], kind=Kind.MENTION, title="x")
    assert mail.outbox == []  # on_commit never ran: the test transaction does not commit


@override_settings(OPENSALES_BASE_URL="https://crm.example.cn/")
def test_the_mail_is_plain_text_in_the_recipients_language(cast, django_capture_on_commit_callbacks):
    cast["rep_sh2"].preferred_language = "en"
    cast["rep_sh2"].save(update_fields=["preferred_language"])
    made, _ = send(
        django_capture_on_commit_callbacks,
        recipients=[cast["rep_sh1"], cast["rep_sh2"]],
        kind=Kind.ASSIGNMENT,
        actor=cast["manager_east"],
        title="回访上海恒达贸易",
        body="周五 17:00 前",
        url="/org/employees/",
    )
    by_to = {m.to[0]: m for m in mail.outbox}
    zh, en = by_to["rep_sh1@example.com"], by_to["rep_sh2@example.com"]
    assert zh.subject == "[OpenSales] 回访上海恒达贸易"
    assert zh.content_subtype == "plain" and en.content_subtype == "plain"
    assert zh.body == (
        "张伟，你好：\n\n"
        "回访上海恒达贸易\n"
        "周五 17:00 前\n\n"
        "发送人：王海涛\n"
        "在 OpenSales 中打开：https://crm.example.cn/org/employees/\n"
        "全部通知：https://crm.example.cn/notifications/\n\n"
        "-- \n"
        "你收到这封邮件，是因为“分配”类通知设置为同时发送邮件。如需更改，请打开通知设置："
        "https://crm.example.cn/notifications/settings/\n"
    )
    assert en.subject == "[OpenSales] 回访上海恒达贸易"
    assert en.body == (
        "Hello 刘洋,\n\n"
        "回访上海恒达贸易\n"
        "周五 17:00 前\n\n"
        "From: 王海涛\n"
        "Open it in OpenSales: https://crm.example.cn/org/employees/\n"
        "All your notifications: https://crm.example.cn/notifications/\n\n"
        "-- \n"
        "You get this e-mail because “Assignment” notifications are sent to you by e-mail. To change that, "
        "open your notification settings: https://crm.example.cn/notifications/settings/\n"
    )


def test_the_worker_rechecks_choices_and_skips_what_was_read_meanwhile(cast):
    rep_sh1, rep_sh2, lead = cast["rep_sh1"], cast["rep_sh2"], cast["lead_sh"]
    made = services.notify(recipients=[rep_sh1, rep_sh2, lead], kind=Kind.MENTION, title="x")
    by_user = {n.recipient.username: n for n in made}
    services.mark_read(rep_sh2, [by_user["rep_sh2"].pk])
    services.preferences_save(actor=lead, user=lead, email={Kind.MENTION: False})
    sent = send_notification_emails.call([n.pk for n in made])
    assert sent == 1
    assert [m.to for m in mail.outbox] == [["rep_sh1@example.com"]]


def test_a_title_with_a_newline_cannot_inject_headers(cast):
    (n,) = services.notify(recipients=[cast["rep_sh1"]], kind=Kind.MENTION, title="a\nBcc: x@evil.example")
    assert send_notification_emails.call([n.pk]) == 1
    (message,) = mail.outbox
    assert message.subject == "[OpenSales] a Bcc: x@evil.example"
    assert message.recipients() == ["rep_sh1@example.com"]


# --- marking read ---------------------------------------------------------------------------------


def test_mark_read_counts_only_newly_read_and_refuses_foreign_ids_whole(cast):
    rep_sh1, rep_sh2 = cast["rep_sh1"], cast["rep_sh2"]
    mine = services.notify(recipients=[rep_sh1, rep_sh1], kind=Kind.SYSTEM, title="a")
    mine += services.notify(recipients=[rep_sh1], kind=Kind.SYSTEM, title="b")
    (theirs,) = services.notify(recipients=[rep_sh2], kind=Kind.SYSTEM, title="c")
    with pytest.raises(Http404):
        services.mark_read(rep_sh1, [mine[0].pk, theirs.pk])
    with pytest.raises(Http404):
        services.mark_read(rep_sh1, [999999])
    assert unread_count(rep_sh1) == 2 and unread_count(rep_sh2) == 1
    assert services.mark_read(rep_sh1, [mine[0].pk]) == 1
    assert services.mark_read(rep_sh1, [mine[0].pk, mine[1].pk]) == 1
    assert unread_count(rep_sh1) == 0 and unread_count(rep_sh2) == 1


def test_mark_all_read_touches_only_the_users_own(cast):
    services.notify(recipients=[cast["rep_sh1"], cast["rep_sh2"]], kind=Kind.SYSTEM, title="a")
    services.notify(recipients=[cast["rep_sh1"]], kind=Kind.SYSTEM, title="b")
    assert services.mark_all_read(cast["rep_sh1"]) == 2
    assert services.mark_all_read(cast["rep_sh1"]) == 0
    assert unread_count(cast["rep_sh2"]) == 1


def test_unread_count_stops_at_the_cap(cast):
    Notification.objects.bulk_create(
        [Notification(recipient=cast["rep_sh1"], kind=Kind.SYSTEM, title=str(i)) for i in range(105)]
    )
    assert unread_count(cast["rep_sh1"]) == 100
    assert unread_count(cast["rep_sh1"], cap=None) == 105


# --- preferences ----------------------------------------------------------------------------------


def test_defaults_mentions_and_assignments_by_email_others_app_only(cast):
    assert effective_preferences(cast["rep_sh1"]) == {
        "mention": True,
        "assignment": True,
        "reminder": False,
        "approval": False,
        "system": False,
    }


def test_preferences_save_upserts_and_audits_the_change(cast):
    rep = cast["rep_sh1"]
    result = services.preferences_save(actor=rep, user=rep, email={"mention": False, "approval": True})
    assert result == {
        "mention": False,
        "assignment": True,
        "reminder": False,
        "approval": True,
        "system": False,
    }
    services.preferences_save(actor=rep, user=rep, email={"mention": True, "approval": True})
    assert set(NotificationPreference.objects.values_list("user__username", "kind", "email")) == {
        ("rep_sh1", "mention", True),
        ("rep_sh1", "approval", True),
    }
    events = list(
        AuditEvent.objects.filter(action="notifications.preferences_change")
        .order_by("id")
        .values_list("actor_username", "object_id", "changes")
    )
    assert events == [
        ("rep_sh1", str(rep.pk), {"mention": [True, False], "approval": [False, True]}),
        ("rep_sh1", str(rep.pk), {"mention": [False, True]}),
    ]


def test_preferences_save_refuses_unknown_kinds(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.preferences_save(actor=None, user=cast["rep_sh1"], email={"nonsense": True})
    assert NotificationPreference.objects.count() == 0
