"""Reading an uploaded CSV or spreadsheet into header + rows of trimmed text.

- CSV: UTF-8 with or without BOM first, UTF-16 when it has its BOM (Excel's "Unicode text"), else
  GB18030 (a superset of GBK and GB2312, what Excel on a Chinese Windows writes). The delimiter
  (, ; tab |) is sniffed from the first lines.
- XLSX / XLSM / XLS through fastexcel (calamine, the engine behind `polars.read_excel(engine="calamine")`)
  with every column read as text; a formula cell gives its cached value and is never evaluated; a
  cell that merely looks like a formula in a CSV stays text.
- Fully blank rows are skipped but keep their numbers: errors name the row a spreadsheet shows
  (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

CSV_EXTENSIONS = {".csv", ".txt", ".tsv"}
EXCEL_EXTENSIONS = {".xlsx", ".xlsm", ".xls"}
EXTENSIONS = CSV_EXTENSIONS | EXCEL_EXTENSIONS


class ReadError(Exception):
    """The file cannot be read; the message is translated and shown to the user."""


class SheetError(ReadError):
    """The workbook has no sheet of that name."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells as text, as long as headers)
    encoding: str = ""
    delimiter: str = ""


def max_rows() -> int:
    return getattr(settings, "OPENSALES_IMPORT_MAX_ROWS", 200_000)


def max_bytes() -> int:
    return getattr(settings, "OPENSALES_IMPORT_MAX_BYTES", 50 * 1024 * 1024)


def extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def check_upload(filename: str, size: int) -> None:
    if extension(filename) not in EXTENSIONS:
        raise ReadError(_("Upload a CSV or Excel file (.csv, .xlsx, .xls)."))
    if size > max_bytes():
        raise ReadError(_("The file is larger than %(limit)s MB.") % {"limit": max_bytes() // (1024 * 1024)})
    if size == 0:
        raise ReadError(_("The file is empty."))


# --- CSV -----------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ReadError(_("The file's text encoding is not UTF-8 or GBK.")) from None


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return "\t" if "\t" in sample and "," not in sample else ","


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(i, row) for i, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ReadError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from None
    return _table(records, encoding=encoding, delimiter=delimiter)


# --- Spreadsheets --------------------------------------------------------------------------------


def _excel(data: bytes):
    import fastexcel

    try:
        return fastexcel.read_excel(data)
    except Exception:  # calamine's errors are many; any of them means "not a readable workbook"
        raise ReadError(_("The spreadsheet cannot be read. Save it again as .xlsx or .csv.")) from None


def sheet_names(data: bytes, filename: str) -> list[str]:
    if extension(filename) not in EXCEL_EXTENSIONS:
        return []
    return list(_excel(data).sheet_names)


def read_excel(data: bytes, sheet: str | None = None) -> Table:
    reader = _excel(data)
    names = list(reader.sheet_names)
    if not names:
        raise ReadError(_("The workbook has no sheets."))
    if sheet and sheet not in names:
        raise SheetError(_("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet})
    try:
        frame = reader.load_sheet(sheet or names[0], header_row=None, dtypes="string").to_polars()
    except Exception:
        raise ReadError(_("The spreadsheet cannot be read. Save it again as .xlsx or .csv.")) from None
    # rows(): every row at once (iter_rows converts them one by one).
    records = [(i, ["" if v is None else v for v in row]) for i, row in enumerate(frame.rows(), 1)]
    return _table(records)


# --- Both ----------------------------------------------------------------------------------------


def _clean_cell(value: str) -> str:
    value = value.strip()
    # calamine renders a date cell as "2024-03-01 00:00:00"; a date is what the person typed.
    if len(value) == 19 and value.endswith(" 00:00:00") and value[4] == "-":
        value = value[:10]
    return value


def _table(records: list[tuple[int, list[str]]], encoding: str = "", delimiter: str = "") -> Table:
    records = [(n, [_clean_cell(c) for c in cells]) for n, cells in records]
    records = [(n, cells) for n, cells in records if any(cells)]
    if not records:
        raise ReadError(_("The file has no header row."))
    header = records[0][1]
    data = records[1:]
    # As wide as the last column with a header or a value (trailing empty columns are dropped).
    width = max(max(i for i, c in enumerate(cells) if c) + 1 for _n, cells in records)
    headers = unique_headers((header + [""] * width)[:width])
    if not data:
        raise ReadError(_("The file has a header row but no data rows."))
    if len(data) > max_rows():
        raise ReadError(
            _("The file has more than %(limit)s rows. Split it into smaller files.") % {"limit": max_rows()}
        )
    rows = [(n, (cells + [""] * width)[:width]) for n, cells in data]
    return Table(headers=headers, rows=rows, encoding=encoding, delimiter=delimiter)


def unique_headers(header: list[str]) -> list[str]:
    """Every column gets a distinct name: an empty header becomes "#3", a repeated one "Name (2)"."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header, start=1):
        name = name or f"#{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def read_table(data: bytes, filename: str, sheet: str | None = None) -> Table:
    check_upload(filename, len(data))
    if extension(filename) in EXCEL_EXTENSIONS:
        return read_excel(data, sheet)
    return read_csv(data)
