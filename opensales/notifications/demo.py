"""Demo step: a few believable notifications for the demo logins (张伟 rep_sh1 above all)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from opensales.core.demo import DemoContext, demo_step
from opensales.org.models import Employee

from .kinds import Kind
from .models import Notification
from .services import notify

# (recipient, actor or None, kind, title, body, hours ago, already read, link)
# link: "self" = the recipient's own employee page, "settings" = the notification settings, None = none.
STORIES = [
    (
        "rep_sh1",
        "manager_east",
        Kind.ASSIGNMENT,
        "王海涛 给你分配了任务：回访上海恒达贸易的采购经理",
        "请在本周五 17:00 前完成，先确认对方今年的预算和决策流程。",
        0.3,
        False,
        None,
    ),
    (
        "rep_sh1",
        "lead_sh",
        Kind.MENTION,
        "陈静 在跟进记录中提到了你",
        "@张伟 明天上午和客户的电话会议由你讲产品部分，报价单我来准备。",
        2,
        False,
        None,
    ),
    (
        "rep_sh1",
        None,
        Kind.REMINDER,
        "提醒：今天 15:00 电话回访杭州云帆科技",
        "联系人：李经理。上次沟通提到下季度可能扩容 50 个账号。",
        5,
        False,
        None,
    ),
    (
        "rep_sh1",
        "manager_east",
        Kind.APPROVAL,
        "你的折扣申请已通过",
        "上海恒达贸易 年度框架合同按 9.2 折执行，审批人：王海涛。",
        26,
        True,
        None,
    ),
    (
        "rep_sh1",
        "admin",
        Kind.SYSTEM,
        "你的员工档案已更新",
        "系统管理员更新了你的职位和手机号，请核对是否正确。",
        50,
        True,
        "self",
    ),
    (
        "rep_sh1",
        None,
        Kind.SYSTEM,
        "欢迎使用 OpenSales",
        "右上角的铃铛会提醒你新的任务、提及和审批；在通知设置里可以选择哪些通知同时发到邮箱。",
        120,
        True,
        "settings",
    ),
    (
        "manager_east",
        "director",
        Kind.MENTION,
        "李建国 在华东大区周报中提到了你",
        "@王海涛 请在周五前补充杭州团队本月的销售预测。",
        1,
        False,
        None,
    ),
    (
        "manager_east",
        "rep_sh1",
        Kind.APPROVAL,
        "张伟 提交了折扣申请，等待你审批",
        "上海恒达贸易 年度框架合同，申请 9.2 折。",
        28,
        True,
        None,
    ),
    (
        "lead_sh",
        "rep_sh2",
        Kind.MENTION,
        "刘洋 在客户备注中提到了你",
        "@陈静 客户希望下周二来公司参观，需要你一起接待。",
        3,
        False,
        None,
    ),
    (
        "rep_sh2",
        "lead_sh",
        Kind.ASSIGNMENT,
        "陈静 把线索「苏州启明医疗器械」分配给了你",
        "来源：官网咨询。客户对 CRM 移动端比较关心。",
        4,
        False,
        None,
    ),
    (
        "rep_gz1",
        "manager_south",
        Kind.ASSIGNMENT,
        "吴志强 给你分配了任务：整理广州区域的季度客户名单",
        "下周一例会前发给我。",
        6,
        False,
        None,
    ),
]


@demo_step(60, "notifications")
def seed_notifications(ctx: DemoContext) -> None:
    users = ctx.made.get("users", {})
    now = timezone.now()
    made = []
    for recipient, actor, kind, title, body, hours, read, link in STORIES:
        if recipient not in users:
            continue
        user = users[recipient]
        url = ""
        if link == "self":
            employee = Employee.objects.unscoped(reason="demo").filter(user=user).first()
            url = reverse("org:employee_detail", args=[employee.pk]) if employee else ""
        elif link == "settings":
            url = reverse("notifications:preferences")
        rows = notify(
            recipients=[user],
            kind=kind,
            actor=users.get(actor) if actor else None,
            title=title,
            body=body,
            url=url,
            send_email=False,  # demo data: no mail to example.com addresses
        )
        created = now - timedelta(hours=hours)
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
            created_at=created, read_at=created + timedelta(minutes=20) if read else None
        )
        made += rows
    ctx.made["notifications"] = made
