"""Reading files (encodings, delimiters, sheets, blank rows), matching headers, parsing cells."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from opensales.imports import matching, parsers
from opensales.imports.reading import ReadError, SheetError, read_table, sheet_names
from opensales.org.importers import EmployeeImporter

from .files import csv_bytes, xlsx_bytes

ROWS = [["用户名", "姓名"], ["zhangsan", "张三"], ["lisi", "李四"]]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (csv_bytes(ROWS), "utf-8"),
        (csv_bytes(ROWS, bom=True), "utf-8-sig"),
        (csv_bytes(ROWS, encoding="gbk"), "gb18030"),
        (csv_bytes(ROWS, encoding="gb18030"), "gb18030"),
        (
            "\ufeff".encode("utf-16-le")
            + "用户名\t姓名\r\nzhangsan\t张三\r\nlisi\t李四\r\n".encode("utf-16-le"),
            "utf-16",
        ),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-tab"],
)
def test_encodings(data, encoding):
    table = read_table(data, "people.csv")
    assert table.encoding == encoding
    assert table.headers == ["用户名", "姓名"]
    assert table.rows == [(2, ["zhangsan", "张三"]), (3, ["lisi", "李四"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(delimiter):
    rows = [["用户名", "姓名", "职位"], ["zhangsan", "张三", "销售, 华东"], ["lisi", "李四", ""]]
    table = read_table(csv_bytes(rows, delimiter=delimiter, bom=True), "people.csv")
    assert table.delimiter == delimiter
    assert table.rows == [(2, ["zhangsan", "张三", "销售, 华东"]), (3, ["lisi", "李四", ""])]


def test_blank_rows_are_skipped_and_numbers_kept_and_cells_trimmed():
    data = csv_bytes([["用户名", "姓名", ""], [" a ", "甲", ""], ["", "", ""], ["b", "=1+1", ""]])
    table = read_table(data, "x.csv")
    assert table.headers == ["用户名", "姓名"]  # the empty trailing column is dropped
    assert table.rows == [(2, ["a", "甲"]), (4, ["b", "=1+1"])]  # a formula-looking cell is text


def test_repeated_and_empty_headers_get_distinct_names():
    table = read_table(csv_bytes([["姓名", "", "姓名"], ["a", "b", "c"]]), "x.csv")
    assert table.headers == ["姓名", "#2", "姓名 (2)"]


def test_xlsx_sheets_and_text_cells():
    data = xlsx_bytes(
        {
            "说明": [["这是说明"]],
            "员工": [["用户名", "工号", "入职日期"], ["zhangsan", 1001, 45352], ["lisi", "002", "2024/3/1"]],
        }
    )
    assert sheet_names(data, "book.xlsx") == ["说明", "员工"]
    table = read_table(data, "book.xlsx", "员工")
    assert table.headers == ["用户名", "工号", "入职日期"]
    assert table.rows == [(2, ["zhangsan", "1001", "45352"]), (3, ["lisi", "002", "2024/3/1"])]
    with pytest.raises(SheetError):
        read_table(data, "book.xlsx", "没有")


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "x.csv"), (b"PK\x03\x04garbage", "x.xlsx"), (b"a,b\n", "x.csv"), (b"abc", "x.pdf")],
    ids=["empty", "broken-xlsx", "header-only", "wrong-type"],
)
def test_unreadable_files(data, name):
    with pytest.raises(ReadError):
        read_table(data, name)


def test_row_cap(settings):
    settings.OPENSALES_IMPORT_MAX_ROWS = 2
    with translation.override("zh-hans"), pytest.raises(ReadError, match="超过 2 行"):
        read_table(csv_bytes([["a"], ["1"], ["2"], ["3"]]), "x.csv")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("用户名*", "username"),
        ("Username", "username"),
        ("USER NAME", "username"),
        ("账号", "username"),
        ("姓 名", "full_name"),
        ("Full name", "full_name"),
        ("手机", "mobile"),
        ("手机号", "mobile"),
        ("Ｍｏｂｉｌｅ", "mobile"),
        ("hire_date", "hire_date"),
        ("入职日期：", "hire_date"),
        ("Employee number", "employee_no"),
        ("工号", "employee_no"),
        ("直属上级", "manager"),
        ("Direct manager", "manager"),
        ("电子邮件", "email"),
    ],
)
def test_headers_match_in_both_languages(header, field):
    assert matching.auto_match(EmployeeImporter, [header]) == {header: field}


def test_a_field_is_taken_once_and_unknown_headers_stay_unmapped():
    assert matching.auto_match(EmployeeImporter, ["手机", "Mobile", "备注"]) == {"手机": "mobile"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024/3/1", date(2024, 3, 1)),
        ("2024.3.1", date(2024, 3, 1)),
        ("2024年3月1日", date(2024, 3, 1)),
        ("２０２４年３月１日", date(2024, 3, 1)),
        ("20240301", date(2024, 3, 1)),
        ("45352", date(2024, 3, 1)),
        ("45352.0", date(2024, 3, 1)),
        ("2024-03-01 00:00:00", date(2024, 3, 1)),
    ],
)
def test_dates(text, expected):
    assert parsers.parse_date(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "明天", "3/1/2024", "0"])
def test_bad_dates(text):
    with pytest.raises(ValidationError):
        parsers.parse_date(text)


def test_choice_accepts_values_labels_in_both_languages_and_aliases():
    parse = EmployeeImporter.field_map()["status"].parser
    assert [parse(v) for v in ("active", "Left", "在职", "已离职", "离职")] == [
        "active",
        "left",
        "active",
        "left",
        "left",
    ]
    with pytest.raises(ValidationError):
        parse("休假")
