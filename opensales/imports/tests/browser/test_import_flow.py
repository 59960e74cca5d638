"""An employee import in a real browser, at desktop and phone width: upload a file whose one column is
not recognised, map it by hand, see the preview with a row error, fix the file, run, see the result.

Runs with the browser leg (`make test-browser`, marker `browser`), on the harness of tests/browser.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensales.org.models import Employee

from ..files import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["工作账号", "姓名", "部门", "入职日期"]


def upload(page, rows, name="同事.csv"):
    page.goto("/imports/employees/")
    page.locator('input[type="file"]').set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": csv_bytes([HEADER, *rows], encoding="gbk")}
    )
    page.locator('input[name="mode"][value="upsert"]').check()
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("import-mapping")).to_be_visible()


def test_import_with_a_mapping_step(page, signed_in, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    signed_in(page, "admin")
    upload(page, [["new_a", "新甲", "SH", "2024/3/1"], ["new_b", "新乙", "火星", "2024年3月2日"]])
    # "工作账号" is not a known header: it starts on "do not import"; the others are matched.
    account = page.locator('select[data-header="工作账号"]')
    expect(account).to_have_value("")
    expect(page.locator('select[data-header="姓名"]')).to_have_value("full_name")
    expect(page.locator('select[data-header="入职日期"]')).to_have_value("hire_date")
    account.select_option("username")
    page.get_by_test_id("check").click()

    # The preview: row 3's department is unknown; nothing can run.
    expect(page.get_by_test_id("preview-table")).to_be_visible()
    expect(page.locator('[data-testid="error-row"][data-row="3"]')).to_contain_text("火星")
    expect(page.get_by_test_id("run")).to_be_disabled()
    expect(page.get_by_test_id("error-report")).to_be_visible()
    assert not Employee.objects.unscoped(reason="t").filter(user__username__startswith="new_").exists()

    # The corrected file: the mapping is remembered for these headers.
    upload(
        page,
        [["new_a", "新甲", "SH", "2024/3/1"], ["new_b", "新乙", "总部/华东大区/杭州团队", "2024年3月2日"]],
    )
    expect(page.locator('select[data-header="工作账号"]')).to_have_value("username")
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("preview-row")).to_have_count(2)
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    page.get_by_test_id("run").click()

    expect(page.get_by_test_id("job-state")).to_have_attribute("data-state", "succeeded")
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    made = dict(
        Employee.objects.unscoped(reason="t")
        .filter(user__username__startswith="new_")
        .values_list("user__username", "department__code")
    )
    assert made == {"new_a": "SH", "new_b": "HZ"}

    # The history lists both jobs, the finished one first.
    page.goto("/imports/")
    expect(page.get_by_test_id("import-row")).to_have_count(2)
