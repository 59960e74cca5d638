"""Exports: the EXPORT scope, the visible columns, formula-injection escaping in CSV and XLSX, the BOM,
the permission (403 without it), the audit event with the row count, and large exports as jobs whose
file only their user may download."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import polars as pl
import pytest
from django.urls import reverse

from opensales.audit.models import AuditEvent
from opensales.bulk.exports import cell, escape
from opensales.bulk.models import Job
from opensales.notifications.models import Notification
from tests.scopeapp.models import Account

pytestmark = pytest.mark.django_db

NASTY = ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tTAB", "\rCR", "普通客户"]


def export_url(**params):
    from urllib.parse import urlencode

    return reverse("bulk:export", args=["scope-accounts"]) + ("?" + urlencode(params) if params else "")


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> pl.DataFrame:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return pl.read_excel(io.BytesIO(content), has_header=True, infer_schema_length=0)


def test_escape():
    assert [escape(v) for v in NASTY] == [
        "'=1+1",
        "'+86 138",
        "'-5",
        "'@SUM(A1)",
        "'\tTAB",
        "'\rCR",
        "普通客户",
    ]
    assert cell(-5) == -5  # numbers stay numbers
    assert cell(["=a", "b"]) == "'=a, b"
    assert cell(None) == ""


def test_csv_export_follows_the_export_scope_and_visible_columns(cast, accounts, login, grant_rep_export):
    response = login(cast["rep_sh1"]).get(export_url(format="csv", cols="owner", sort="name"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0] == ["Name", "Owner"]  # the required column, then the chosen one
    # Only the rep's own accounts: the pool account they may view is not theirs to export.
    assert sorted(rows[1:]) == sorted([["上海甲", "rep_sh1"], ["上海乙", "rep_sh1"], ["上海丙", "rep_sh1"]])


def test_export_of_a_filtered_list_for_a_manager(cast, accounts, login):
    response = login(cast["manager_east"]).get(export_url(format="csv", q="上海", sort="-name"))
    names = [r[0] for r in read_csv(response)[1:]]
    # 上海广州乙 matches but belongs to 华南; sorted by name descending, as the list would be.
    assert names == sorted(["上海甲", "上海乙", "上海丙", "上海丁", "上海戊"], reverse=True)


def test_formula_cells_are_escaped_in_csv_and_xlsx(cast, login):
    director = cast["director"]
    for name in NASTY:
        Account.objects.create(name=name, owner=cast["rep_sh1"])
    client = login(director)
    csv_rows = read_csv(client.get(export_url(format="csv", sort="pk")))
    assert [r[0] for r in csv_rows[1:]] == [escape(n) for n in NASTY]
    frame = read_xlsx(client.get(export_url(format="xlsx", sort="pk")))
    assert frame.columns == ["Name", "Owner"]
    import zipfile

    content = client.get(export_url(format="xlsx", sort="pk")).content
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    assert frame["Name"].to_list() == ["'=1+1", "'+86 138", "'-5", "'@SUM(A1)", "'\tTAB", "'\rCR", "普通客户"]


def test_xlsx_file_name_and_header(cast, accounts, login):
    response = login(cast["director"]).get(export_url(format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    name = str(Account._meta.verbose_name_plural)
    assert disposition.startswith("attachment;")
    assert ("filename*=utf-8''" + quote(name)) in disposition or f'filename="{name}-' in disposition
    assert disposition.endswith('.xlsx"') or disposition.endswith(".xlsx")
    assert len(read_xlsx(response)) == len(accounts)


def test_exports_need_the_export_permission(cast, accounts, login):
    response = login(cast["rep_sh1"]).get(export_url(format="csv"))
    assert response.status_code == 403
    denied = AuditEvent.objects.filter(action="request.denied", actor_id=cast["rep_sh1"].pk)
    assert denied.count() == 1
    assert not AuditEvent.objects.filter(action="export").exists()


def test_unknown_list_and_format(cast, login):
    client = login(cast["director"])
    assert client.get(reverse("bulk:export", args=["no-such-list"])).status_code == 404
    assert client.get(export_url(format="pdf")).status_code == 400


def test_every_export_is_audited_with_its_row_count(cast, accounts, login):
    login(cast["finance"]).get(export_url(format="csv", q="上海"))
    [event] = AuditEvent.objects.filter(action="export")
    assert event.actor_id == cast["finance"].pk
    assert event.object_type == "scopeapp.account"
    assert event.changes == {"rows": 6, "format": "csv", "query": "q=%E4%B8%8A%E6%B5%B7"}


def test_export_query_count_does_not_grow_with_rows(cast, login, django_assert_max_num_queries):
    for i in range(30):
        Account.objects.create(name=f"客户{i}", owner=cast["rep_sh1"])
    client = login(cast["director"])
    client.get(export_url(format="csv", cols="owner,tags"))  # warm the caches
    with django_assert_max_num_queries(25):
        response = client.get(export_url(format="csv", cols="owner,tags"))
    assert len(read_csv(response)) == 31


# --- Large exports: a job ----------------------------------------------------------------------------


@pytest.fixture
def small_export_limit(settings):
    settings.OPENSALES_EXPORT_SYNC_LIMIT = 2


def test_a_large_export_runs_as_a_job_and_only_its_user_downloads_it(
    cast, accounts, login, small_export_limit, django_capture_on_commit_callbacks
):
    manager = cast["manager_east"]
    client = login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(export_url(format="csv", q="上海"))
    job = Job.objects.get(user=manager)
    assert response.status_code == 302 and response["Location"] == reverse("bulk:job", args=[job.pk])
    assert job.state == Job.State.SUCCEEDED, job.error
    assert (job.kind, job.action, job.total, job.done) == ("export", "csv", 5, 5)
    assert job.file.name.startswith("exports/") and job.file_name.endswith(".csv")
    assert job.file_name.split("-")[0] not in job.file.name  # the stored name is random
    [event] = AuditEvent.objects.filter(action="export")
    assert event.changes["rows"] == 5 and event.changes["job"] == job.pk
    [note] = Notification.objects.filter(recipient=manager, kind="bulk_job")
    assert note.url == reverse("bulk:job", args=[job.pk])

    page = client.get(reverse("bulk:job", args=[job.pk]))
    assert reverse("bulk:download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("bulk:download", args=[job.pk]))
    assert download.status_code == 200
    assert len(read_csv(download)) == 6
    assert AuditEvent.objects.filter(action="export.download", actor_id=manager.pk).count() == 1

    for other in ("rep_sh1", "director", "admin"):
        assert login(cast[other]).get(reverse("bulk:download", args=[job.pk])).status_code == 404
        assert login(cast[other]).get(reverse("bulk:job", args=[job.pk])).status_code == 404


def test_a_pending_job_shows_a_polling_progress_bar(cast, accounts, login, small_export_limit):
    manager = cast["manager_east"]
    client = login(manager)
    client.get(export_url(format="xlsx"))  # the worker never runs: no commit in this test
    job = Job.objects.get(user=manager)
    html = client.get(reverse("bulk:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html
    fragment = client.get(reverse("bulk:job", args=[job.pk]) + "?fragment=progress").content.decode()
    assert fragment.strip().startswith('<div id="job-progress"') and "<html" not in fragment
    # Once done, the bar stops polling.
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error="出错了")
    fragment = client.get(reverse("bulk:job", args=[job.pk]) + "?fragment=progress").content.decode()
    assert "hx-trigger" not in fragment and "出错了" in fragment
