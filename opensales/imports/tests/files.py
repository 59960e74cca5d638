"""Files for the import tests, in every encoding and shape (used by the tests and the matrix rows)."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile


def csv_bytes(
    rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",", bom: bool = False
) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def upload(data: bytes, name: str = "employees.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


HEADER = ["用户名", "姓名", "邮箱", "部门", "上级", "工号", "职位", "手机", "入职日期"]


def employee_rows(n: int, start: int = 1, department: str = "SH") -> list[list[str]]:
    return [
        [
            f"new{i:05d}",
            f"新同事{i}",
            f"new{i}@example.com",
            department,
            "lead_sh",
            f"N{i:05d}",
            "销售代表",
            f"139{i:08d}",
            "2024-03-01",
        ]
        for i in range(start, start + n)
    ]
