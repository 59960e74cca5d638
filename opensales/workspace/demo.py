"""Demo step: the workspace in use — tags on people, saved views (one shared with 华东大区), a comment
with an @mention on 张伟's page, and a department waiting in the recycle bin."""

from __future__ import annotations

from django.http import QueryDict

from opensales.core.demo import DemoContext, demo_step
from opensales.org.models import Department, Employee

from . import saved_views
from .tags import add_tags, tags_by_names

TAGS = {
    "英语流利": ["rep_sh1", "manager_east", "rep_sz1", "director"],
    "大客户经验": ["rep_sh2", "lead_sh", "manager_south", "rep_bj1"],
    "新人": ["rep_hz2", "rep_gz2", "rep_bj3"],
}
COLORS = {"英语流利": "blue", "大客户经验": "orange", "新人": "green"}


@demo_step(70, "workspace")
def seed_workspace(ctx: DemoContext) -> None:
    users = ctx.made["users"]
    admin = users["admin"]
    employees = {
        e.user.username: e
        for e in Employee.objects.unscoped(reason="demo data").select_related("user", "department")
    }
    for name, usernames in TAGS.items():
        tags = tags_by_names([name])
        tags[0].color = COLORS[name]
        tags[0].save(update_fields=["color"])
        add_tags(actor=admin, model=Employee, ids=[employees[u].pk for u in usernames], tags=tags)

    east = Department.objects.unscoped(reason="demo data").get(code="EAST")
    saved_views.save_view(
        actor=users["manager_east"],
        list_key="employees",
        name="华东在职销售",
        params=QueryDict(f"department={east.pk}&status=active&role=&sort=department"),
        shared=True,
    )
    saved_views.save_view(
        actor=users["rep_sh1"],
        list_key="employees",
        name="会英语的同事",
        params=QueryDict(f"tags={tags_by_names(['英语流利'])[0].pk}"),
        make_default=False,
    )

    from opensales.comments.services import comment_add

    comment_add(
        actor=users["lead_sh"],
        record=employees["rep_sh1"],
        body="@王海涛 张伟本季度的拜访量是团队第一，建议下个月让他带一下新人 @刘洋。",
    )

    from opensales.org.services import department_create, department_delete

    temporary = department_create(actor=admin, name="临时项目组", parent=east, code="TMP")
    department_delete(actor=admin, department=temporary)
