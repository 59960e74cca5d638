"""Importing employees end to end: the pages, all-or-nothing, re-import, scope, audit, reports."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opensales.audit.models import AuditEvent
from opensales.core.actions import Action, DataScope
from opensales.imports import engine, matching, services
from opensales.imports.models import ImportJob, ImportMapping
from opensales.imports.reading import read_table
from opensales.imports.registry import importer_for
from opensales.notifications.models import Notification
from opensales.org.importers import EmployeeImporter
from opensales.org.models import Employee, Role
from opensales.org.services import role_save

from .files import HEADER, csv_bytes, employee_rows, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def employees(prefix: str = "new"):
    return Employee.objects.unscoped(reason="test").filter(user__username__startswith=prefix)


def start(user, data: bytes, name: str = "employees.csv", mode: str = "create", **kwargs) -> ImportJob:
    return services.job_create(
        user=user, importer=EmployeeImporter, upload=upload(data, name), mode=mode, **kwargs
    )


def run(job: ImportJob, on_commit) -> ImportJob:
    with on_commit():
        services.job_start(job=job)
    job.refresh_from_db()
    return job


def test_the_registry_finds_the_employee_importer():
    assert importer_for(Employee) is EmployeeImporter
    assert importer_for("org.employee") is EmployeeImporter
    assert importer_for("employees") is EmployeeImporter
    assert importer_for(Role) is None


def test_a_clean_file_imports_every_row_through_the_services(cast, on_commit, departments):
    rows = employee_rows(3)
    rows[2][3] = "总部/华东大区/杭州团队"  # a department by its path of names
    rows[2][8] = "2024年3月5日"
    job = run(start(cast["admin"], csv_bytes([HEADER, *rows])), on_commit)
    assert (job.state, job.created_count, job.updated_count, job.rejected_count) == ("succeeded", 3, 0, 0)
    made = {e.user.username: e for e in employees().select_related("user", "department", "manager")}
    assert sorted(made) == ["new00001", "new00002", "new00003"]
    third = made["new00003"]
    assert (third.user.full_name, third.department.code, third.manager.username) == (
        "新同事3",
        "HZ",
        "lead_sh",
    )
    assert (third.employee_no, third.mobile, str(third.hire_date)) == ("N00003", "13900000003", "2024-03-05")
    assert third.user.has_usable_password() is False
    # Audited per record by the services, and once for the import with the ids.
    assert AuditEvent.objects.filter(action="employee.create", actor_id=cast["admin"].pk).count() == 3
    event = AuditEvent.objects.get(action="import.run")
    assert event.object_id == str(job.pk)
    assert event.changes["created"] == 3
    assert sorted(event.changes["created_ids"]) == sorted(str(e.pk) for e in made.values())
    # The owner is told.
    note = Notification.objects.get(recipient=cast["admin"], kind="import_finished")
    assert note.url == reverse("imports:job", args=[job.pk])
    assert note.title == "导入完成：employees.csv"


def test_preview_shows_each_rows_errors(cast, login, on_commit):
    rows = employee_rows(4)
    rows[0][2] = "not-an-email"
    rows[1][3] = "火星团队"
    rows[2][8] = "明天"
    rows[3][0] = "rep_sh1"  # exists already (create only)
    client = login(cast["admin"])
    data = csv_bytes([HEADER, *rows])
    response = client.post(
        reverse("imports:start", args=["employees"]), {"file": upload(data), "mode": "create"}
    )
    job = ImportJob.objects.get(user=cast["admin"])
    assert response.status_code == 302 and response["Location"] == reverse("imports:mapping", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["form"]["col-0"].initial == "username"
    form = {f"col-{i}": name for i, name in enumerate(job.mapping.get(h, "") for h in job.headers)}
    with on_commit():
        response = client.post(reverse("imports:mapping", args=[job.pk]), {**form, "mode": "create"})
    assert response["Location"] == reverse("imports:preview", args=[job.pk])
    page = client.get(response["Location"])
    job.refresh_from_db()
    assert job.state == "draft" and job.check_state == "ready"
    assert job.errors == [
        {"row": 2, "messages": ["电子邮件：“not-an-email”不是有效的电子邮件地址。"]},
        {"row": 3, "messages": ["部门：没有部门“火星团队”。请填写部门编码或完整的部门路径。"]},
        {"row": 4, "messages": ["入职日期：“明天”不是日期。请写成 2024-03-01 或 2024年3月1日。"]},
        {"row": 5, "messages": ["用户名“rep_sh1”的记录已存在。"]},
    ]
    html = page.content.decode()
    assert html.count('data-testid="error-row"') == 4
    assert 'data-testid="run" disabled' in html
    assert not employees().exists()
    # Running anyway is refused.
    assert client.post(reverse("imports:run", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.state == "draft"


def test_all_or_nothing_when_the_last_row_fails_validation(cast, on_commit):
    rows = employee_rows(5)
    rows[-1][5] = "E1006"  # rep_sh1's employee number
    job = run(start(cast["admin"], csv_bytes([HEADER, *rows])), on_commit)
    assert (job.state, job.created_count, job.rejected_count) == ("failed", 0, 1)
    assert job.errors == [{"row": 6, "messages": ["工号 E1006 已被使用。"]}]
    assert not employees().exists()
    assert AuditEvent.objects.get(action="import.run").outcome == "failure"
    assert Notification.objects.get(recipient=cast["admin"]).title == "导入失败：employees.csv"


def test_all_or_nothing_when_the_last_row_fails_while_writing(cast, on_commit, monkeypatch):
    real = EmployeeImporter.create

    def create(self, actor, row):
        if row.values["username"] == "new00005":
            raise ValidationError("数据库拒绝了这一行")
        return real(self, actor, row)

    monkeypatch.setattr(EmployeeImporter, "create", create)
    job = run(start(cast["admin"], csv_bytes([HEADER, *employee_rows(5)])), on_commit)
    assert job.state == "failed"
    assert job.errors == [{"row": 6, "messages": ["数据库拒绝了这一行"]}]
    assert job.failure == "第 6 行无法写入，没有导入任何数据。"
    assert (job.created_count, job.rejected_count) == (0, 1)
    assert not employees().exists()  # rows 2–5 were written, then rolled back
    assert not AuditEvent.objects.filter(action="employee.create", actor_id=cast["admin"].pk).exists()


def test_a_gbk_file(cast, on_commit):
    data = csv_bytes([HEADER, *employee_rows(2)], encoding="gbk")
    job = run(start(cast["admin"], data), on_commit)
    assert job.state == "succeeded", job.errors
    assert sorted(employees().values_list("user__full_name", flat=True)) == ["新同事1", "新同事2"]


def test_a_csv_with_bom_and_semicolons(cast, on_commit):
    data = csv_bytes([HEADER, *employee_rows(2)], delimiter=";", bom=True)
    job = run(start(cast["admin"], data), on_commit)
    assert job.state == "succeeded" and job.created_count == 2


def test_reimporting_the_same_file_creates_no_duplicates(cast, on_commit):
    data = csv_bytes([HEADER, *employee_rows(3)])
    assert run(start(cast["admin"], data), on_commit).state == "succeeded"
    versions = dict(employees().values_list("user__username", "version"))
    # Create only: the existing keys are errors, nothing changes.
    again = run(start(cast["admin"], data), on_commit)
    assert (again.state, again.rejected_count, again.created_count) == ("failed", 3, 0)
    assert again.errors[0] == {"row": 2, "messages": ["用户名“new00001”的记录已存在。"]}
    # Create or update: the same rows change nothing.
    same = run(start(cast["admin"], data, mode="upsert"), on_commit)
    assert (same.state, same.created_count, same.updated_count, same.unchanged_count) == (
        "succeeded",
        0,
        0,
        3,
    )
    assert dict(employees().values_list("user__username", "version")) == versions
    assert employees().count() == 3


def test_upsert_updates_by_username_with_the_version_check(cast, on_commit):
    rows = [
        ["用户名", "职位", "手机", "状态"],
        ["rep_sh2", "高级销售", "13800000000", ""],
        ["new1", "新人", "", ""],
    ]
    job = start(cast["admin"], csv_bytes(rows), mode="upsert")
    assert job.mapping == {"用户名": "username", "职位": "title", "手机": "mobile", "状态": "status"}
    job = run(job, on_commit)
    assert job.state == "failed"  # the new row lacks a full name
    assert job.errors == [{"row": 3, "messages": ["姓名 为必填项。"]}]
    rows[2] = ["rep_sh2x", "新人", "", ""]
    rows.pop()
    rows.append(["rep_gz1", "", "", "离职"])
    job = run(start(cast["admin"], csv_bytes(rows), mode="update"), on_commit)
    assert (job.state, job.updated_count) == ("succeeded", 2), job.errors
    sh2 = Employee.objects.unscoped(reason="t").select_related("user").get(user__username="rep_sh2")
    assert (sh2.title, sh2.mobile, sh2.version) == ("高级销售", "13800000000", 2)
    gz1 = Employee.objects.unscoped(reason="t").select_related("user").get(user__username="rep_gz1")
    assert (gz1.status, gz1.user.is_active, gz1.title) == ("left", False, "销售代表")  # blank = unchanged


def test_update_of_an_unknown_key_is_an_error(cast, on_commit):
    job = run(
        start(cast["admin"], csv_bytes([["用户名", "职位"], ["nobody", "x"]]), mode="update"), on_commit
    )
    assert job.errors == [{"row": 2, "messages": ["没有用户名为“nobody”的记录。"]}]


def test_the_same_key_twice_in_a_file(cast, on_commit):
    rows = employee_rows(2)
    rows[1][0] = rows[0][0]
    rows[1][5] = "N99999"
    job = run(start(cast["admin"], csv_bytes([HEADER, *rows])), on_commit)
    assert job.errors == [{"row": 3, "messages": ["与第 2 行的用户名相同。"]}]


def test_a_manager_created_by_an_earlier_row(cast, on_commit):
    rows = employee_rows(2)
    rows[1][4] = "new00001"
    job = run(start(cast["admin"], csv_bytes([HEADER, *rows])), on_commit)
    assert job.state == "succeeded", job.errors
    second = employees().select_related("manager").get(user__username="new00002")
    assert second.manager.username == "new00001"
    rows[0][4], rows[1][4] = "new00004", ""
    rows[0][0], rows[0][5] = "new00003", "N3"
    rows[1][0], rows[1][5] = "new00004", "N4"
    job = run(start(cast["admin"], csv_bytes([HEADER, *rows])), on_commit)
    assert job.errors == [{"row": 2, "messages": ["上级“new00004”由第 3 行创建：请把那一行放在前面。"]}]


def test_scope_a_row_naming_an_employee_out_of_reach_is_an_error(cast, on_commit):
    """A role importing employees in its own department only: rows elsewhere are errors, never a
    second account or a placement outside the scope."""
    hr = role_save(
        actor=None,
        code="hr_south",
        name_zh="华南人事",
        name_en="HR south",
        grants={
            "org.employee": (
                [Action.VIEW, Action.ADD, Action.CHANGE, Action.IMPORT],
                DataScope.DEPT,
                [],
            )
        },
    )
    cast["rep_gz1"].roles.add(hr)
    rows = [
        ["用户名", "姓名", "部门", "职位"],
        ["rep_gz2", "孙鹏", "", "组长"],  # same department: fine
        ["rep_sh1", "张伟", "", "组长"],  # another department: refused
        ["gz_new", "新人", "GZ", ""],  # creating in their department: fine
        ["sh_new", "新人", "SH", ""],  # creating elsewhere: refused
    ]
    job = run(start(cast["rep_gz1"], csv_bytes(rows), mode="upsert"), on_commit)
    assert job.errors == [
        {"row": 3, "messages": ["你无权修改员工“rep_sh1”。"]},
        {"row": 5, "messages": ["你不能把员工放到“上海团队”。"]},
    ]
    assert not Employee.objects.unscoped(reason="t").filter(user__username__in=["gz_new", "sh_new"]).exists()


def test_the_mapping_is_remembered(cast, login, on_commit):
    headers = ["工作账号", "员工名字", "其他"]
    data = csv_bytes([headers, ["new1", "甲", "x"]])
    job = start(cast["admin"], data)
    assert job.mapping == {}  # nothing recognised
    services.job_set_mapping(job=job, mapping={"工作账号": "username", "员工名字": "full_name"})
    mapping = ImportMapping.objects.get(user=cast["admin"])
    assert mapping.header_hash == matching.header_signature(headers)
    # The same headers again: the same mapping.
    assert start(cast["admin"], data).mapping == {"工作账号": "username", "员工名字": "full_name"}
    # Other headers sharing one: that header is known; another user gets only the auto-match.
    other = csv_bytes([["工作账号", "姓名"], ["new2", "乙"]])
    assert start(cast["admin"], other).mapping == {"工作账号": "username", "姓名": "full_name"}
    assert matching.remembered(cast["director"], EmployeeImporter, ["工作账号", "姓名"]) == {
        "姓名": "full_name"
    }


def test_a_workbook_with_two_sheets_asks_which(cast, login, on_commit):
    data = xlsx_bytes(
        {
            "说明": [["请在第二页填写"]],
            "员工": [HEADER, *[[*r[:8], 45352] for r in employee_rows(2)]],
        }
    )
    client = login(cast["admin"])
    response = client.post(
        reverse("imports:start", args=["employees"]), {"file": upload(data, "员工.xlsx"), "mode": "create"}
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("imports:sheet", args=[job.pk])
    assert client.get(reverse("imports:mapping", args=[job.pk]))["Location"] == reverse(
        "imports:sheet", args=[job.pk]
    )
    response = client.post(reverse("imports:sheet", args=[job.pk]), {"sheet": "员工"})
    assert response["Location"] == reverse("imports:mapping", args=[job.pk])
    job.refresh_from_db()
    assert (job.sheet, job.total_rows, len(job.mapping)) == ("员工", 2, 9)
    with on_commit():
        services.job_check(job=job)
    with on_commit():
        assert client.post(reverse("imports:run", args=[job.pk]))["Location"] == reverse(
            "imports:job", args=[job.pk]
        )
    job.refresh_from_db()
    assert job.state == "succeeded", job.errors
    assert sorted(str(d) for d in employees().values_list("hire_date", flat=True)) == [
        "2024-03-01",
        "2024-03-01",
    ]


def test_the_error_report_escapes_formulas(cast, login, on_commit):
    rows = employee_rows(2)
    rows[0][6] = '=HYPERLINK("http://evil.example","点我")'
    rows[0][2] = "bad"
    rows[1][6] = "@SUM(A1)"
    job = run(start(cast["admin"], csv_bytes([HEADER, *rows])), on_commit)
    assert job.state == "failed"
    client = login(cast["admin"])
    response = client.get(reverse("imports:errors", args=[job.pk, "csv"]))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    report = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert report[0] == [*HEADER, "错误 / Error"]
    assert report[1][6] == '\'=HYPERLINK("http://evil.example","点我")'
    assert report[1][-1] == "电子邮件：“bad”不是有效的电子邮件地址。"
    assert report[2][6] == "'@SUM(A1)" and report[2][-1] == ""
    response = client.get(reverse("imports:errors", args=[job.pk, "xlsx"]))
    table = read_table(response.content, "report.xlsx")
    assert table.headers == [*HEADER, "错误 / Error"]
    assert table.rows[0][1][6] == '\'=HYPERLINK("http://evil.example","点我")'
    assert table.rows[0][1][-1] == "电子邮件：“bad”不是有效的电子邮件地址。"


def test_permissions(cast, login, on_commit):
    job = start(cast["admin"], csv_bytes([HEADER, *employee_rows(1)]))
    rep = login(cast["rep_sh1"])
    assert rep.get(reverse("imports:start", args=["employees"])).status_code == 403
    assert rep.get(reverse("imports:template", args=["employees"])).status_code == 403
    assert rep.get(reverse("imports:start", args=["nothing"])).status_code == 404
    for name in ("mapping", "preview", "job", "progress"):
        assert rep.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404, name
    assert rep.post(reverse("imports:run", args=[job.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        start(cast["rep_sh1"], csv_bytes([HEADER, *employee_rows(1)]))
    # The owner sees their job in the history; the rep sees none.
    assert rep.get(reverse("imports:history")).content.decode().count("data-row-id") == 0
    assert login(cast["admin"]).get(reverse("imports:history")).content.decode().count("data-row-id") == 1


def test_the_job_page_and_progress(cast, login, on_commit):
    job = run(start(cast["admin"], csv_bytes([HEADER, *employee_rows(2)])), on_commit)
    client = login(cast["admin"])
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'data-state="succeeded"' in page and 'data-testid="count-created">2<' in page
    partial = client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"] == reverse("imports:job", args=[job.pk])
    assert "hx-trigger" not in partial.content.decode()
    pending = start(cast["admin"], csv_bytes([HEADER, *employee_rows(1, start=9)]))
    pending.state = "running"
    pending.phase = "validating"
    pending.processed = 1
    pending.save()
    partial = client.get(reverse("imports:progress", args=[pending.pk]), HTTP_HX_REQUEST="true")
    assert not partial.has_header("HX-Redirect")
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert services.percent(pending) == 50


def test_the_template(cast, login):
    response = login(cast["admin"]).get(reverse("imports:template", args=["employees"]))
    assert response.status_code == 200
    data = response.content
    from opensales.imports.reading import read_excel, sheet_names

    assert sheet_names(data, "t.xlsx") == ["数据", "说明"]
    import fastexcel

    header = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string").to_polars().row(0)
    assert list(header) == [
        "用户名*",
        "姓名*",
        "电子邮件",
        "部门",
        "直属上级",
        "工号",
        "职务",
        "手机号",
        "入职日期",
        "状态",
    ]
    notes = read_excel(data, "说明")
    status = next(cells for _n, cells in notes.rows if cells[0] == "状态")
    assert status[3] == "在职、已离职"
    # The template's own headers map back to every field.
    assert len(matching.auto_match(EmployeeImporter, list(header))) == len(EmployeeImporter.fields)


def test_validation_queries_do_not_grow_with_rows(cast):
    def queries(n: int) -> int:
        table = read_table(csv_bytes([HEADER, *employee_rows(n)]), "x.csv")
        mapping = matching.auto_match(EmployeeImporter, table.headers)
        admin = cast["admin"].__class__.objects.get(pk=cast["admin"].pk)
        with CaptureQueriesContext(connection) as ctx:
            plan = engine.plan(EmployeeImporter(admin), table, mapping, "upsert")
        assert not plan.error_rows, plan.error_rows[0].errors
        return len(ctx.captured_queries)

    queries(1)  # the first read of the admin's grants; the process keeps them from then on
    small, large = queries(5), queries(300)
    assert small == large
    assert small <= 15
