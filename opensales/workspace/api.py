"""The generic API of every workspace model (unless its ModelView says `api = False`):

    GET    /api/v1/<key>             the list: the same filters, sort and scope as the list page
    GET    /api/v1/<key>/{id}        one record
    POST   /api/v1/<key>             create, validated by the model's form, written by its services
    PATCH  /api/v1/<key>/{id}        change some fields; `version` is required (409 when stale)
    DELETE /api/v1/<key>/{id}        to the recycle bin (when the model is deletable)

Bulk actions and exports of any list are at /api/v1/bulk/<key> and /api/v1/exports/<key> (opensales/bulk).
Records are serialized from the list's columns (all of them, with raw values), so the API and the
pages show the same fields.

The list is the busiest endpoint, so it is built for speed (issue #6) without changing what it answers:
it counts exactly only up to the model's `keyset_threshold` (like the list page; `?exact_count=true`
asks for the full count), it skips the FilterSet when no filter parameter is given, and it writes its
JSON itself from a per-model table of columns instead of having Ninja validate 50 records × every column
against the page schema; the schema stays declared for the OpenAPI document, and a test checks that
both give the same bytes for every model.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django_filters import DateFromToRangeFilter, ModelMultipleChoiceFilter, MultipleChoiceFilter
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import create_model

from opensales.api.errors import ApiError, ErrorOut, conflict
from opensales.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_of
from opensales.core.actions import Action
from opensales.core.models import choice_labels
from opensales.core.scope import has_action
from opensales.core.versioning import StaleEdit

from .filters import WorkspaceFilterSet
from .listing import count_beside, order_by, rows_of
from .registry import ModelView, all_views
from .slim import field_path, list_fields

router = Router()

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut}
Scalar = str | int | float | bool | None
Value = Scalar | list[str]
# Values the JSON takes as they are (api_value would return them unchanged).
PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
# Query parameters of the list that are not filters: without any other, the FilterSet is skipped.
LIST_PARAMS = frozenset({"limit", "offset", "sort", "exact_count"})


def api_value(value: Any) -> Value:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, Model | Promise):  # a record, a translated label: their text
        return str(value)
    if hasattr(value, "all") and callable(value.all):
        value = value.all()
    if isinstance(value, list | tuple | set) or hasattr(value, "__iter__"):
        return [str(v) for v in value]
    return str(value)


def serialize(mv: type[ModelView], record: Model) -> dict[str, Any]:
    return _serialize(_readers(mv), record)


# How each column of a model is read, in the schema's order: columns are declared on the class, so this
# is worked out once, like the Out schema built from the same columns. A column naming a plain field
# reads it with `attrgetter`; one naming `get_FOO_display` reads the label from the map of the active
# language (bound per request by `_readers`); anything else calls `Column.reader`. Per value, the
# generic reader was a third of the serialization of an API page (issue #6).
_reader_plans: dict[type[ModelView], tuple[tuple[str, str, Any], ...]] = {}


def _reader_plan(mv: type[ModelView]) -> tuple[tuple[str, str, Any], ...]:
    plan = _reader_plans.get(mv)
    if plan is None:
        steps = []
        for column in mv.all_columns():
            source = column.value if column.value is not None else column.key
            path = field_path(mv.model, [source]) if isinstance(source, str) and "." not in source else None
            field = mv.model._meta.get_field(path) if path is not None else None
            step = (column.key, "read", column.reader)
            if field is not None and source == path:
                step = (column.key, "read", attrgetter(field.attname))
            elif field is not None and field.choices:  # get_FOO_display
                step = (column.key, "display", field)
            steps.append(step)
        plan = _reader_plans[mv] = tuple(steps)
    return plan


def _display_reader(field: Any) -> Callable[[Any], Any]:
    labels, attname = choice_labels(field), field.attname

    def read(record: Any) -> Any:
        try:
            return labels[getattr(record, attname)]
        except (KeyError, TypeError):  # not one of the choices: what the model's method answers
            return record._get_FIELD_display(field)

    return read


def _readers(mv: type[ModelView]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """(key, reader) of every column, for the active language."""
    return tuple(
        (key, _display_reader(arg) if kind == "display" else arg) for key, kind, arg in _reader_plan(mv)
    )


def _serialize(readers: tuple[tuple[str, Callable[[Any], Any]], ...], record: Model) -> dict[str, Any]:
    out: dict[str, Any] = {"id": record.pk, "version": getattr(record, "version", None)}
    for key, read in readers:
        value = read(record)
        out[key] = value if type(value) in PLAIN_TYPES else api_value(value)
    return out


def _out_schema(mv: type[ModelView]) -> type[Schema]:
    fields: dict[str, Any] = {"id": (int, ...), "version": (int | None, None)}
    for column in mv.all_columns():
        fields[column.key] = (Value, Field(None, description=str(column.label)))
    return create_model(f"{mv.model.__name__}Out", __base__=Schema, **fields)


def _filter_schema(mv: type[ModelView]) -> type[Schema]:
    """The list's query parameters, for the OpenAPI document (the values are read from the request)."""
    filterset = mv.filterset_class or WorkspaceFilterSet.for_model(mv.model)
    fields: dict[str, Any] = {}
    for name, flt in filterset.base_filters.items():
        if name == "tags" and not mv.tags:
            continue
        label = str(flt.label or name)
        if isinstance(flt, DateFromToRangeFilter):
            fields[f"{name}_after"] = (datetime.date | None, Field(None, description=f"{label} ≥"))
            fields[f"{name}_before"] = (datetime.date | None, Field(None, description=f"{label} ≤"))
        elif isinstance(flt, ModelMultipleChoiceFilter | MultipleChoiceFilter):
            fields[name] = (list[str] | None, Field(None, description=label))
        else:
            fields[name] = (str | None, Field(None, description=label))
    sortable = ", ".join(c.key for c in mv.all_columns() if c.sort)
    fields["sort"] = (str | None, Field(None, description=f"One of: {sortable}; '-' for descending."))
    fields["limit"] = (int, Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1–200)."))
    fields["offset"] = (int, Field(0, ge=0, description="Items to skip."))
    fields["exact_count"] = (
        bool,
        Field(
            False,
            description=(
                f"Count every match, however many. By default `count` is exact up to "
                f"{mv.keyset_threshold:,}; beyond that it is {mv.keyset_threshold:,} with "
                "`count_exact: false`."
            ),
        ),
    )
    return create_model(f"{mv.model.__name__}ListParams", __base__=Schema, **fields)


def _require(user: Any, mv: type[ModelView], action: str) -> None:
    if not has_action(user, mv.model, action):
        raise PermissionDenied


def _form_errors(form: Any) -> ApiError:
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items() if name != "__all__"}
    if "__all__" in form.errors:
        fields["non_field_errors"] = [str(e) for e in form.errors["__all__"]]
    return ApiError(422, "invalid", _("The input is not valid."), fields)


def _as_data(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if hasattr(value, "all") and callable(value.all):
        return [v.pk for v in value.all()]
    if isinstance(value, list | tuple):
        return [_as_data(v) for v in value]
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None:
        return ""
    return value


def _form_data(payload: dict[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in payload.items():
        if isinstance(value, list):
            data.setlist(name, [str(_as_data(v)) for v in value])
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(_as_data(value))
    return data


def _current_data(form: Any, record: Model) -> dict[str, Any]:
    """What the edit form would show for the record: the base a PATCH is applied to."""
    out = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None and hasattr(record, name):
            value = getattr(record, name)
        out[name] = _as_data(value)
    return out


def _add_endpoints(mv: type[ModelView]) -> None:
    key = mv.key
    Out = _out_schema(mv)
    Params = _filter_schema(mv)
    tag = [key]
    name = mv.verbose_name()
    plural = mv.verbose_name_plural()

    def list_records(request, params: Query[Params]):  # type: ignore[valid-type]  (built per model)
        user = request.auth
        _require(user, mv, Action.VIEW)
        if request.GET.keys() - LIST_PARAMS:
            filterset = mv.filterset(user, request.GET)
            if not filterset.is_valid():
                fields = {n: [str(e) for e in errs] for n, errs in filterset.errors.items()}
                raise ApiError(422, "invalid", _("The input is not valid."), fields)
            qs = filterset.qs
        else:  # no filter given: what the FilterSet would answer, without building it and its form
            qs = mv.queryset(user, Action.VIEW)
        qs = order_by(qs, mv.sort_from(request.GET))  # what mv.filtered() reads, filters checked once
        start, stop = params.offset, params.offset + params.limit
        ids = list(qs.values_list("pk", flat=True)[start:stop])
        if params.exact_count:
            count, exact = qs.count(), True
        else:
            count, exact = count_beside(qs, start, len(ids), params.limit, mv.keyset_threshold)
        rows = rows_of(qs, ids, list_fields(mv))
        mv.prepare_rows(rows, user)
        readers = _readers(mv)
        body = {"count": count, "count_exact": exact, "items": [_serialize(readers, r) for r in rows]}
        # An HttpResponse goes out as it is, unvalidated: the page schema (below) documents it, and a test
        # checks the two agree for every model. The API's own renderer, so the bytes are the same (imported
        # here: the root imports this module while it mounts the routers).
        from opensales.api.root import api

        return api.create_response(request, body, status=200)

    list_records.__doc__ = (
        f"The {plural} in your view scope, with the filters and sort of the list page. `count` is exact "
        f"up to {mv.keyset_threshold:,} matches (`count_exact: true`); beyond that it is "
        f"{mv.keyset_threshold:,} with `count_exact: false`, unless `exact_count=true` is asked."
    )
    router.get(
        f"/{key}",
        response={200: page_of(Out, count_exact=True), **READ_ERRORS},
        tags=tag,
        summary=f"List {plural}",
        operation_id=f"list_{key}",
    )(list_records)

    def get_record(request, id: int):
        user = request.auth
        _require(user, mv, Action.VIEW)
        record = mv.get_object(user, id, Action.VIEW)
        mv.prepare_rows([record], user)
        return serialize(mv, record)

    router.get(
        f"/{key}/{{int:id}}",
        response={200: Out, **READ_ERRORS},
        tags=tag,
        summary=f"Get a {name}",
        operation_id=f"get_{key}",
    )(get_record)

    if mv.form_class is not None:

        def create_record(request, payload: Body[dict[str, Any]]):
            user = request.auth
            _require(user, mv, Action.ADD)
            form = mv.get_form(request, None, _form_data(payload))
            if not form.is_valid():
                raise _form_errors(form)
            try:
                with transaction.atomic():
                    record = mv.create(user, form.cleaned_data)
            except ValidationError as exc:
                form_error = _form_errors_from(form, exc)
                raise form_error from None
            mv.prepare_rows([record], user)
            return Status(201, serialize(mv, record))

        create_record.__doc__ = (
            f"Create a {name}. The body takes the fields of the create form (ids for related records); "
            "it is validated exactly like the form."
        )
        router.post(
            f"/{key}",
            response={201: Out, **WRITE_ERRORS},
            tags=tag,
            summary=f"Create a {name}",
            operation_id=f"create_{key}",
        )(create_record)

        def update_record(request, id: int, payload: Body[dict[str, Any]]):
            user = request.auth
            _require(user, mv, Action.CHANGE)
            record = mv.get_object(user, id, Action.CHANGE)
            if "version" not in payload:
                raise ApiError(
                    422, "invalid", _("The input is not valid."), {"version": [_("This field is required.")]}
                )
            try:
                version = int(payload["version"])
            except (TypeError, ValueError):
                raise ApiError(
                    422, "invalid", _("The input is not valid."), {"version": [_("Enter a whole number.")]}
                ) from None
            base = mv.get_form(request, record)
            unknown = set(payload) - set(base.fields) - {"version"}
            if unknown:
                raise ApiError(
                    422,
                    "invalid",
                    _("The input is not valid."),
                    {n: [_("This field cannot be changed here.")] for n in sorted(unknown)},
                )
            data = {**_current_data(base, record), **{k: v for k, v in payload.items() if k != "version"}}
            form = mv.get_form(request, record, _form_data(data))
            if not form.is_valid():
                raise _form_errors(form)
            try:
                with transaction.atomic():
                    saved = mv.update(user, record, form.cleaned_data, version)
            except StaleEdit as exc:
                raise conflict(exc.current.version) from None
            except ValidationError as exc:
                raise _form_errors_from(form, exc) from None
            mv.prepare_rows([saved], user)
            return serialize(mv, saved)

        update_record.__doc__ = (
            f"Change some fields of a {name}. Send `version` as read: if someone saved since, the answer "
            "is 409 and nothing changes."
        )
        router.patch(
            f"/{key}/{{int:id}}",
            response={200: Out, **WRITE_ERRORS},
            tags=tag,
            summary=f"Update a {name}",
            operation_id=f"update_{key}",
        )(update_record)

    if mv.deletable:

        def delete_record(request, id: int):
            user = request.auth
            _require(user, mv, Action.DELETE)
            record = mv.get_object(user, id, Action.DELETE)
            with transaction.atomic():
                mv.delete(user, record)
            return Status(204, None)

        delete_record.__doc__ = f"Move a {name} to the recycle bin (restorable there)."
        router.delete(
            f"/{key}/{{int:id}}",
            response={204: None, **WRITE_ERRORS},
            tags=tag,
            summary=f"Delete a {name}",
            operation_id=f"delete_{key}",
        )(delete_record)


def _form_errors_from(form: Any, exc: ValidationError) -> ApiError:
    from .views import apply_errors

    apply_errors(form, exc)
    return _form_errors(form)


def build() -> None:
    for mv in all_views():
        if mv.api:
            _add_endpoints(mv)


build()
