"""The import itself: map, validate every row (phase 1), then write all rows in one transaction (phase 2).

All or nothing: phase 1 collects every row's errors (required values, parse errors, model validation,
key lookups in the user's scope, the same key twice in the file, the importer's duplicate check).
Any error and nothing is written. Otherwise phase 2 writes every row in the caller's transaction:
through the model's services row by row, or, for an importer with `bulk = True`, in chunks through
its `create_many` / `update_many` (each chunk in a savepoint). A chunk that fails is rolled back to its
savepoint and written again row by row through the services, each row in a savepoint of its own, so
the rows that fail are named exactly and the others of the chunk are not lost; `RowFailed.failures`
lists every failed row. The caller decides what a failure means (the job rolls everything back).
"""

from __future__ import annotations

import csv
import gc
import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from .reading import Table, read_table
from .registry import Importer, Mode, RowPlan

logger = logging.getLogger(__name__)

IDS_AUDITED = 1000  # ids listed in the audit event (the counts are always complete)
PREVIEW_ROWS = 20
PROGRESS_EVERY = 500


class MappingError(Exception):
    """The mapping cannot work: {header or "mapping": [messages]} (translated)."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in problems.values() for m in ms))
        self.problems = problems


class RowFailed(Exception):
    def __init__(self, line: int, messages: list[str], failures: dict[int, list[str]] | None = None):
        super().__init__(f"row {line}: {messages}")
        self.line = line
        self.messages = messages
        # Every row that failed (a bulk write goes on after the first): {line: messages}.
        self.failures = failures or {line: messages}


@dataclass
class Plan:
    rows: list[RowPlan]
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def error_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if r.errors]

    @property
    def warning_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if r.warnings]


@dataclass
class Outcome:
    created_ids: list[Any] = field(default_factory=list)
    updated_ids: list[Any] = field(default_factory=list)


# --- Mapping --------------------------------------------------------------------------------------


def check_mapping(importer: type[Importer], headers: list[str], mapping: dict[str, str], mode: str) -> None:
    """Raise MappingError unless every mapped header exists, every field is known and mapped once,
    and the columns the mode needs (required fields to create, key fields to find) are there."""
    fields = importer.field_map()
    problems: dict[str, list[str]] = {}
    used: dict[str, str] = {}
    for header, name in mapping.items():
        if header not in headers:
            problems.setdefault(header, []).append(
                _("The file has no column “%(header)s”.") % {"header": header}
            )
        elif name not in fields:
            problems.setdefault(header, []).append(_("Unknown field “%(field)s”.") % {"field": name})
        elif name in used:
            problems.setdefault(header, []).append(
                _("“%(field)s” is already taken by the column “%(other)s”.")
                % {"field": fields[name].label, "other": used[name]}
            )
        else:
            used[name] = header
    needed = []
    if mode == Mode.CREATE:  # (upsert: a row that creates without them is an error of its own)
        needed += [f for f in importer.fields if f.required]
    if mode in (Mode.UPDATE, Mode.UPSERT):
        needed += [fields[n] for n in importer.key_fields]
    missing = []
    for f in needed:
        if f.name not in used and f not in missing:
            missing.append(f)
    if missing:
        problems.setdefault("mapping", []).append(
            _("Map a column to each required field: %(fields)s.")
            % {"fields": ", ".join(str(f.label) for f in missing)}
        )
    if problems:
        raise MappingError(problems)


# --- Phase 1: plan and validate ---------------------------------------------------------------------


def rows_of(table: Table, mapping: dict[str, str]) -> list[RowPlan]:
    columns = [
        (table.headers.index(header), name) for header, name in mapping.items() if header in table.headers
    ]
    return [RowPlan(line=line, raw={name: cells[i] for i, name in columns}) for line, cells in table.rows]


def plan(
    importer: Importer,
    table: Table,
    mapping: dict[str, str],
    mode: str,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Parse and validate every row; nothing is written. Queries: a constant number per run (the
    importer's `prepare`), never one per row."""
    with _collector_paused():
        return _plan(importer, table, mapping, mode, progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Validation allocates a few objects per cell and frees none of them until the end: the cyclic
    garbage collector would walk the growing heap again and again for nothing (measured: about half
    the time of a 10 000-row check). It resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan(
    importer: Importer,
    table: Table,
    mapping: dict[str, str],
    mode: str,
    progress: Callable[[int], None] | None,
) -> Plan:
    fields = importer.field_map()
    rows = rows_of(table, mapping)
    importer.prepare(rows)
    key_fields = importer.key_fields
    key_label = " + ".join(str(fields[n].label) for n in key_fields)
    first_with_key: dict[tuple[Any, ...], int] = {}
    result = Plan(rows=rows)
    for i, row in enumerate(rows, start=1):
        for name, text in row.raw.items():
            if not text:
                continue
            try:
                row.values[name] = importer.parse(name, text)
            except ValidationError as exc:
                for message in exc.messages:
                    row.error(_("%(field)s: %(message)s") % {"field": fields[name].label, "message": message})
        key = row.key(key_fields)
        if key is not None:
            if key in first_with_key:
                row.error(
                    _("The same %(key)s as row %(row)s.")
                    % {
                        "key": " + ".join(str(fields[n].label) for n in key_fields),
                        "row": first_with_key[key],
                    }
                )
            else:
                first_with_key[key] = row.line
        _decide(importer, row, mode, key_label)
        if not row.errors:
            try:
                importer.clean(row, mode)
            except ValidationError as exc:
                row.errors += importer.messages(exc)
        if not row.errors:
            errors, warnings = importer.duplicate_check(row)
            row.errors += [str(e) for e in errors]
            row.warnings += [str(w) for w in warnings]
        if not row.errors and row.action == "update" and not importer.changes(row):
            row.action = "unchanged"
        if progress and i % PROGRESS_EVERY == 0:
            progress(i)
    for row in rows:
        if not row.errors:
            if row.action == "create":
                result.created += 1
            elif row.action == "update":
                result.updated += 1
            elif row.action == "unchanged":
                result.unchanged += 1
    return result


def _decide(importer: Importer, row: RowPlan, mode: str, label: str) -> None:
    """Find the existing record by key and decide create / update, or explain why neither."""
    key_fields = importer.key_fields
    key = row.key(key_fields)
    existing = None
    if key is not None and not row.errors:
        try:
            existing = importer.find_existing(row)
        except ValidationError as exc:
            row.errors += importer.messages(exc)
            return
    shown = " / ".join(str(row.raw.get(n, "")) for n in key_fields)
    if mode == Mode.CREATE:
        if existing is not None:
            row.error(_("A record with %(key)s “%(value)s” already exists.") % {"key": label, "value": shown})
        row.action = "create"
    elif mode == Mode.UPDATE:
        if key is None:
            row.error(_("%(key)s is empty: the row cannot be matched to a record.") % {"key": label})
        elif existing is None and not row.errors:
            row.error(_("No record with %(key)s “%(value)s”.") % {"key": label, "value": shown})
        row.action = "update"
    else:
        if key is None:
            row.error(_("%(key)s is empty: the row cannot be matched to a record.") % {"key": label})
        row.action = "update" if existing is not None else "create"
    row.existing = existing
    if row.action == "create":
        for f in importer.fields:
            if f.required and not row.raw.get(f.name) and f.name not in row.values:
                row.error(_("%(field)s is required.") % {"field": f.label})


# --- Phase 2: write --------------------------------------------------------------------------------


def write(
    importer: Importer, actor: Any, rows: list[RowPlan], progress: Callable[[int], None] | None = None
) -> Outcome:
    """Write every planned row; the caller holds the transaction. Raises RowFailed on the first row
    that fails, naming it (bulk importers: after every chunk, naming every row that failed)."""
    if importer.bulk:
        # The same reason as in `plan`: a bulk write allocates many objects that live until the
        # chunk is written, and the cyclic collector would walk the whole heap again and again.
        with _collector_paused():
            return _write_bulk(importer, actor, rows, progress)
    outcome = Outcome()
    for i, row in enumerate(rows, start=1):
        obj = _write_one(importer, actor, row)
        if row.action == "create":
            outcome.created_ids.append(obj.pk)
        elif row.action == "update":
            outcome.updated_ids.append(obj.pk)
        if progress and i % importer.progress_every == 0:
            progress(i)
    return outcome


def _write_one(importer: Importer, actor: Any, row: RowPlan) -> Any:
    """One row through the services; RowFailed (translated) for a row the services refuse."""
    try:
        if row.action == "create":
            return importer.create(actor, row)
        if row.action == "update":
            return importer.update(actor, row.existing, row)
        return None
    except ValidationError as exc:
        raise RowFailed(row.line, importer.messages(exc)) from exc
    except DatabaseError as exc:
        logger.warning("import row %s failed: %s", row.line, exc)
        raise RowFailed(row.line, [_("The database refused this row: %(error)s") % {"error": exc}]) from exc
    except Exception as exc:
        messages = _row_exception_messages(exc)
        if messages is None:
            raise
        raise RowFailed(row.line, messages) from exc


def _write_bulk(
    importer: Importer, actor: Any, rows: list[RowPlan], progress: Callable[[int], None] | None
) -> Outcome:
    outcome = Outcome()
    failures: dict[int, list[str]] = {}
    size = max(1, importer.chunk_size)
    done = 0
    # Every update before the first create. An update rewrites the search entry of an older record:
    # behind the new rows' entries, that older row id made SQLite's FTS5 flush its pending index
    # once per chunk, and the new rows had pushed the updated records' pages out of the cache
    # (measured: the updates of a 100 000-row import, 1 %, took 3.6 s after the creates and 0.5 s
    # before them, docs/import.md). No row of an import depends on another (keys are looked up when
    # validating, and the same key twice is an error), so the order is free.
    rows = [r for r in rows if r.action == "update"] + [r for r in rows if r.action != "update"]
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        creates = [r for r in chunk if r.action == "create"]
        updates = [r for r in chunk if r.action == "update"]
        try:
            with transaction.atomic():
                updated = importer.update_many(actor, updates) if updates else []
                created = importer.create_many(actor, creates) if creates else []
        except (ValidationError, DatabaseError) as exc:
            created, updated = _write_rows(importer, actor, chunk, failures, exc)
        except Exception as exc:
            if _row_exception_messages(exc) is None:
                raise
            created, updated = _write_rows(importer, actor, chunk, failures, exc)
        outcome.created_ids += [obj.pk for obj in created]
        outcome.updated_ids += [obj.pk for obj in updated]
        done += len(chunk)
        if progress:
            progress(done)
    if failures:
        first = min(failures)
        raise RowFailed(first, failures[first], failures)
    return outcome


def _write_rows(
    importer: Importer, actor: Any, chunk: list[RowPlan], failures: dict[int, list[str]], cause: Exception
) -> tuple[list[Any], list[Any]]:
    """The fallback of a chunk that failed as a whole: row by row through the services, each row in a
    savepoint, so that one bad row costs only itself."""
    logger.info("import chunk from row %s failed (%s); writing it row by row", chunk[0].line, cause)
    created, updated = [], []
    for row in chunk:
        try:
            with transaction.atomic():
                obj = _write_one(importer, actor, row)
        except RowFailed as failed:
            failures[failed.line] = failed.messages
            continue
        if obj is not None:
            (created if row.action == "create" else updated).append(obj)
    return created, updated


def _row_exception_messages(exc: Exception) -> list[str] | None:
    from opensales.org.services import StaleEdit

    if isinstance(exc, StaleEdit):
        return [_("The record was changed by someone else while the import ran. Import the file again.")]
    return None


# --- The error report --------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    """A spreadsheet must show the text, never run it: a leading apostrophe defuses = + - @ tab CR."""
    return "'" + value if value and value.startswith(FORMULA_START) else value


def error_column() -> str:
    return "错误 / Error"


def report_rows(table: Table, errors: dict[int, list[str]]) -> tuple[list[str], list[list[str]]]:
    header = [*table.headers, error_column()]
    rows = [[*cells, "；".join(errors.get(line, []))] for line, cells in table.rows]
    return header, rows


def report_csv(table: Table, errors: dict[int, list[str]]) -> bytes:
    header, rows = report_rows(table, errors)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(c) for c in header])
    writer.writerows([escape_cell(c) for c in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 Chinese right


def report_xlsx(table: Table, errors: dict[int, list[str]]) -> bytes:
    import xlsxwriter

    header, rows = report_rows(table, errors)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("Errors")
    bold = book.add_format({"bold": True})
    red = book.add_format({"font_color": "#c0392b"})
    sheet.write_row(0, 0, [escape_cell(c) for c in header], bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, escape_cell(value), red if c == len(row) - 1 and value else None)
    sheet.freeze_panes(1, 0)
    sheet.set_column(len(header) - 1, len(header) - 1, 60)
    book.close()
    return buffer.getvalue()


def save_errors_file(
    job: Any, plan_rows: list[RowPlan] | None, extra: dict[int, list[str]] | None = None
) -> None:
    errors: dict[int, list[str]] = {r.line: r.errors for r in (plan_rows or []) if r.errors}
    for line, messages in (extra or {}).items():
        errors.setdefault(line, []).extend(messages)
    if not errors:
        return
    payload = json.dumps({str(k): v for k, v in errors.items()}, ensure_ascii=False).encode()
    job.errors_file.save(f"job-{job.pk}-errors.json", ContentFile(payload), save=False)


def load_errors(job: Any) -> dict[int, list[str]]:
    if not job.errors_file:
        return {}
    with job.errors_file.open("rb") as fh:
        return {int(k): v for k, v in json.loads(fh.read().decode()).items()}


def load_table(job: Any) -> Table:
    with job.file.open("rb") as fh:
        data = fh.read()
    with _collector_paused():  # reading makes a few objects per cell, all kept: as in `plan`
        return read_table(data, job.filename, job.sheet or None)
