"""The demo step: believable notifications for the demo logins, in the app only (no e-mail)."""

from __future__ import annotations

import random

import pytest

from opensales.core.demo import DemoContext, _steps
from opensales.notifications.demo import seed_notifications
from opensales.notifications.models import Notification
from opensales.notifications.selectors import unread_count
from opensales.org.demo import seed_org  # noqa: F401 (registers the organization step)

pytestmark = pytest.mark.django_db


def test_the_step_runs_after_the_organization():
    orders = {name: order for order, name, _func in _steps}
    assert orders["notifications"] > orders["organization"] == 10


def test_demo_notifications(cast, django_capture_on_commit_callbacks):
    ctx = DemoContext(size="small", scale=1, rng=random.Random(7), log=lambda m: None, made={"users": cast})
    with django_capture_on_commit_callbacks() as callbacks:
        seed_notifications(ctx)
    assert callbacks == []  # nothing queued: demo data sends no mail
    assert len(ctx.made["notifications"]) == 11
    titles = list(
        Notification.objects.filter(recipient=cast["rep_sh1"])
        .newest_first()
        .values_list("kind", "actor__username", "title")
    )
    assert titles == [
        ("assignment", "manager_east", "王海涛 给你分配了任务：回访上海恒达贸易的采购经理"),
        ("mention", "lead_sh", "陈静 在跟进记录中提到了你"),
        ("reminder", None, "提醒：今天 15:00 电话回访杭州云帆科技"),
        ("approval", "manager_east", "你的折扣申请已通过"),
        ("system", "admin", "你的员工档案已更新"),
        ("system", None, "欢迎使用 OpenSales"),
    ]
    assert {
        u: unread_count(cast[u]) for u in ("rep_sh1", "rep_sh2", "manager_east", "lead_sh", "rep_gz1")
    } == {
        "rep_sh1": 3,
        "rep_sh2": 1,
        "manager_east": 1,
        "lead_sh": 1,
        "rep_gz1": 1,
    }
    profile = Notification.objects.get(title="你的员工档案已更新")
    assert profile.url == f"/org/employees/{cast['rep_sh1'].employee.pk}/"
