"""Plain multi-row INSERTs for the bulk import path: the rows Django's `bulk_create` would write, built
as tuples and sent with one `executemany` (SQLite) or one `COPY` (PostgreSQL) per table.

    values = insert(Model, objs, now=now)            # sets obj.pk; returns each row's column values
    insert_history(Model, objs, values, user=actor, now=now, history_type="+")
    insert_tuples(Model, columns, rows, conflict=(unique columns), update=(columns))
    update(Model, objs, field_names)                 # what bulk_update writes, one executemany

Column values are converted exactly as Django does (`get_db_prep_save`), with the conversions of the
common field types (text, numbers, booleans, foreign keys, date-times) done directly: Django's INSERT
compiler spends most of a bulk insert calling them one value at a time. Encrypted fields are encrypted
once per value: the history row reuses the record's ciphertext (as the services' history row would
store a ciphertext of the same clear text).

Ids: PostgreSQL hands out ids from the table's sequence (`nextval`) before the COPY; SQLite writes
inside the caller's transaction, which holds the database's write lock (transaction_mode IMMEDIATE),
so the rows of one executemany get consecutive ids ending at `last_insert_rowid()`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from functools import lru_cache
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_IDENTITY = {
    models.CharField,
    models.TextField,
    models.EmailField,
    models.URLField,
    models.SlugField,
    models.BooleanField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveBigIntegerField,
    models.ForeignKey,
    models.OneToOneField,
}


def _same(value: Any) -> Any:
    return value


def _converter(field: models.Field) -> Callable[[Any], Any]:
    kind = type(field)
    if kind in _IDENTITY:
        target = field.target_field if field.is_relation else field
        if type(target) in _IDENTITY or isinstance(target, models.AutoField):
            return _same
    if kind is models.DateTimeField:
        if connection.vendor == "postgresql":
            return _same
        if settings.USE_TZ and connection.timezone is UTC:
            # What SQLite's adapt_datetimefield_value does (make_naive in the connection's zone,
            # then str()), inline: audit events each carry their own instant, so no cache helps.
            return lambda value: (
                None
                if value is None
                else str(value if value.utcoffset() is None else value.astimezone(UTC).replace(tzinfo=None))
            )
        # A bulk write stamps many rows with the same instant: convert each instant once.
        adapt = lru_cache(maxsize=64)(connection.ops.adapt_datetimefield_value)
        return lambda value: None if value is None else adapt(value)
    if kind is models.JSONField and connection.vendor == "sqlite" and field.encoder is None:
        # SQLite's adapt_json_value is json.dumps(value, cls=None); None stays SQL NULL.
        return lambda value: None if value is None else json.dumps(value)

    def prep(value: Any, field: models.Field = field) -> Any:
        return field.get_db_prep_save(value, connection)

    if kind in (models.DecimalField, models.DateField, models.TimeField, models.DurationField):
        return lambda value: None if value is None else prep(value)
    return prep


_templates: dict[type, tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


def blank(model: type[models.Model]) -> Any:
    """A new, unsaved instance with every field at its default: what `Model()` makes, without its
    per-field work. A model with pre_init/post_init receivers gets `Model()` itself."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model()
    if model not in _templates:
        static, dynamic = {}, []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                dynamic.append((f.attname, f.default))
            else:
                static[f.attname] = f.get_default()
        _templates[model] = (static, dynamic)
    static, dynamic = _templates[model]
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(static)
    for name, default in dynamic:
        obj.__dict__[name] = default()
    return obj


def converter(model: type[models.Model], name: str) -> Callable[[Any], Any]:
    """The function turning a value of this field into what the database stores."""
    return _converter(model._meta.get_field(name))


_plans: dict[tuple[str, type], tuple[list[models.Field], list[Callable[[Any], Any]]]] = {}


def _plan(model: type[models.Model]) -> tuple[list[models.Field], list[Callable[[Any], Any]]]:
    key = (connection.vendor, model)
    if key not in _plans:
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        _plans[key] = (fields, [_converter(f) for f in fields])
    return _plans[key]


def _rows(objs: list[models.Model], names: list[str], converters: list[Callable[[Any], Any]]):
    """Each object's values of these attributes as a tuple, converted. The attributes are read in one
    call (attrgetter) and only the columns that need a conversion are converted: most are stored
    as they are."""
    get = attrgetter(*names)
    if len(names) == 1:  # attrgetter of one name gives the value, not a 1-tuple
        one = get

        def get(obj: Any) -> tuple[Any, ...]:
            return (one(obj),)

    convert = [(i, c) for i, c in enumerate(converters) if c is not _same]
    if not convert:
        return [get(obj) for obj in objs]
    rows = []
    for obj in objs:
        row = list(get(obj))
        for i, c in convert:
            row[i] = c(row[i])
        rows.append(tuple(row))
    return rows


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _write(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], suffix: str = "") -> None:
    """Every row in one statement batch: COPY on PostgreSQL (when no conflict clause), else executemany."""
    if not rows:
        return
    names = ", ".join(_quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not suffix:
            sql = f"COPY {_quote(table)} ({names}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            if connection.queries_logged:  # what CaptureQueriesContext counts, as one query
                connection.queries_log.append({"sql": sql, "time": "0.000"})
            return
        marks = ", ".join(["%s"] * len(columns))
        # Table and column names come from the models' metadata, quoted; values are parameters.
        sql = f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks}){suffix}"  # noqa: S608
        cursor.executemany(sql, rows)


def _new_ids(model: type[models.Model], count: int) -> list[int]:
    """PostgreSQL: `count` ids from the pk's sequence."""
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [r[0] for r in cursor.fetchall()]


def insert(model: type[models.Model], objs: list[models.Model], *, now: Any) -> list[tuple[Any, ...]]:
    """INSERT these new records (auto_now / auto_now_add fields set to `now`); sets each pk and returns
    each row's column values in `_plan(model)` order (without the pk), for `insert_history`."""
    if not objs:
        return []
    fields, converters = _plan(model)
    auto = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    getters = [f.attname for f in fields]
    for obj in objs:
        for name in auto:
            setattr(obj, name, now)
    rows = _rows(objs, getters, converters)
    ids = insert_rows(model, [f.column for f in fields], rows)
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
    return rows


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> list[int]:
    """INSERT rows already in database form (without the pk) into the model's table; returns their ids."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        ids = _new_ids(model, len(rows))
        _write(
            model._meta.db_table,
            [model._meta.pk.column, *columns],
            [(i, *v) for i, v in zip(ids, rows, strict=True)],
        )
        return ids
    _write(model._meta.db_table, columns, rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
    return list(range(last - len(rows) + 1, last + 1))


def insert_history(
    model: type[models.Model],
    objs: list[models.Model],
    values: list[tuple[Any, ...]] | None,
    *,
    user: Any,
    now: Any,
    history_type: str,
) -> None:
    """The simple-history rows of these records (as its post_save handler writes them: history_date
    `now`, history_user the actor, no change reason), from the values `insert` returned (the same
    ciphertexts) or, for updated records, converted afresh."""
    if not objs:
        return
    history = model.history.model
    fields, converters = _plan(model)
    position = {f.attname: i for i, f in enumerate(fields)}
    tracked = [f.attname for f in history.tracked_fields]
    if values is None:
        values = _rows(objs, [f.attname for f in fields], converters)
    date = _converter(history._meta.get_field("history_date"))(now)
    user_id = getattr(user, "pk", None)
    picks = [position.get(name) for name in tracked]
    columns = [history._meta.get_field(name).column for name in tracked] + [
        "history_date",
        "history_change_reason",
        "history_type",
        history._meta.get_field("history_user").column,
    ]
    relation = hasattr(history, "history_relation")
    if relation:
        columns.append(history._meta.get_field("history_relation").column)
    rows = []
    for obj, row in zip(objs, values, strict=True):
        out = [obj.pk if i is None else row[i] for i in picks]
        out += [date, None, history_type, user_id]
        if relation:
            out.append(obj.pk)
        rows.append(tuple(out))
    _write(history._meta.db_table, columns, rows)


def update(model: type[models.Model], objs: list[models.Model], names: Sequence[str]) -> None:
    """UPDATE these fields of these records: `UPDATE … SET a = %s, … WHERE pk = %s` for every record in
    one executemany, the values converted as `bulk_update` converts them. (Django's bulk_update builds
    a CASE WHEN per field and record: compiling it cost ≈ 50 ms per 20 records.)"""
    if not objs:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    values = _rows(objs, [f.attname for f in fields], [_converter(f) for f in fields])
    rows = [(*row, obj.pk) for row, obj in zip(values, objs, strict=True)]
    sets = ", ".join(f"{_quote(f.column)} = %s" for f in fields)
    # Table and column names come from the models' metadata, quoted; values are parameters.
    sql = f"UPDATE {_quote(meta.db_table)} SET {sets} WHERE {_quote(meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_tuples(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """Rows already in database form; `conflict`/`update`: ON CONFLICT (conflict) DO UPDATE SET update."""
    suffix = ""
    if conflict and not update:
        suffix = f" ON CONFLICT ({', '.join(_quote(c) for c in conflict)}) DO NOTHING"
    elif conflict:
        sets = ", ".join(f"{_quote(c)} = EXCLUDED.{_quote(c)}" for c in update)
        suffix = f" ON CONFLICT ({', '.join(_quote(c) for c in conflict)}) DO UPDATE SET {sets}"
    _write(model._meta.db_table, columns, list(rows), suffix)
