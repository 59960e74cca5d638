"""The generic pages of a workspace model: list, detail, create, edit, delete.

Each is a class-based view bound to one `ModelView` (`model_view`); `urlpatterns_for` builds the
routes. A model that needs a different page subclasses the generic view and names it on its
ModelView (`list_view_class`, …), so a special case stays a few lines.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from opensales.core.actions import Action
from opensales.core.history import history_rows
from opensales.core.scope import can, has_action
from opensales.core.versioning import StaleEdit

from . import saved_views
from .cells import fast_widgets, render_rows
from .listing import page_size, paginate, state_query
from .registry import ModelView


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def apply_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for field_name, errors in exc.error_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ModelPage(View):
    model_view: type[ModelView] = None  # type: ignore[assignment]  (set by as_view)
    action: str = Action.VIEW

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_action(request.user, self.model_view.model, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def base_context(self) -> dict[str, Any]:
        mv, user = self.model_view, self.request.user
        return {
            "model_view": mv,
            "verbose_name": mv.verbose_name(),
            "verbose_name_plural": mv.verbose_name_plural(),
            "list_url": mv.list_url(),
            "can_add": mv.form_class is not None and mv.may(user, Action.ADD),
        }


class ObjectListView(ModelPage):
    template_name = "workspace/list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        mv, user, params = self.model_view, request.user, request.GET
        known_default: Any = saved_views.UNKNOWN
        if not params and not is_htmx(request):
            default = saved_views.default_for(user, mv.key)
            if default is not None:
                return redirect(saved_views.url_of(mv, default))
            known_default = None  # no default view among those available: no need to ask again
        filterset = mv.filterset(user, params)
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        from .listing import order_by

        sort_key, sort_path = mv.sort_from(params)
        qs = order_by(qs, (sort_key, sort_path))
        size = page_size(params, mv.page_sizes)
        page = paginate(qs, params, size, mv.keyset_threshold)
        mv.prepare_rows(page.records, user)
        columns = mv.visible_columns(params)
        query = state_query(params)
        filter_form = filterset.form
        filter_form.renderer = fast_widgets
        can_export = mv.may(user, Action.EXPORT)
        bulk_enabled = bool(mv.bulk_actions) or can_export
        context = {
            **self.base_context(),
            "filterset": filterset,
            "filter_form": filter_form,
            "filters_active": filterset.active_count() - (1 if params.get("q") else 0),
            "page": page,
            "rows": render_rows(mv, columns, page.records, bulk=bulk_enabled),
            "columns": columns,
            "column_choices": [(c, c in columns) for c in mv.all_columns() if not c.required],
            "sort": sort_key,
            "headers": _headers(columns, params, sort_key),
            "page_size": size,
            "query": query,
            "total": page.total,
            "total_exact": page.exact,
            "can_export": can_export,
            "import_url": _import_url(mv, user),
            "saved": saved_views.context(user, mv, params, default_id=known_default),
            "bulk_enabled": bulk_enabled,
        }
        if is_htmx(request):
            return render(request, f"{self.template_name}#results", context)
        return render(request, self.template_name, context)


def _headers(columns, params, sort_key: str) -> list[dict[str, Any]]:
    out = []
    for column in columns:
        header: dict[str, Any] = {"column": column, "sorted": None, "url": None}
        if column.sort:
            if sort_key == column.key:
                header["sorted"], flip = "asc", f"-{column.key}"
            elif sort_key == f"-{column.key}":
                header["sorted"], flip = "desc", column.key
            else:
                flip = column.key
            query = params.copy()
            for name in ("page", "after", "before"):
                query.pop(name, None)
            query["sort"] = flip
            header["url"] = f"?{query.urlencode()}"
        out.append(header)
    return out


def _import_url(mv: type[ModelView], user: Any) -> str | None:
    try:
        from django.urls import reverse

        from opensales.imports.registry import importer_for
    except ImportError:
        return None
    importer = importer_for(mv.model)
    if importer is None or not mv.may(user, Action.IMPORT):
        return None
    return reverse("imports:start", args=[importer.key])


class ObjectDetailView(ModelPage):
    template_name = "workspace/detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        mv, user = self.model_view, request.user
        record = mv.get_object(user, pk, Action.VIEW)
        mv.prepare_rows([record], user)
        tabs = [t for t in mv.tabs if t.visible is None or t.visible(user, record)]
        context = {
            **self.base_context(),
            "record": record,
            "facts": [(c, c.read(record)) for c in mv.all_columns()],
            "tabs": tabs,
            "tab": request.GET.get("tab", "overview"),
            "history": history_rows(record),
            "can_change": mv.form_class is not None and _may(user, Action.CHANGE, record, mv),
            "can_delete": mv.deletable and _may(user, Action.DELETE, record, mv),
        }
        context.update(self.extra_context(record))
        return render(request, self.template_name, context)

    def extra_context(self, record: Any) -> dict[str, Any]:
        return {}


def _may(user: Any, action: str, record: Any, mv: type[ModelView]) -> bool:
    return has_action(user, mv.model, action) and can(user, action, record)


class ObjectEditView(ModelPage):
    """Create (no pk) or edit (pk) through the model's form and services.

    A POST with `_validate` only validates and answers the form fragment (inline validation over
    htmx). A stale edit (someone saved since the form was loaded) keeps the user's input, shows who
    changed what, and offers to save over it with the new version.
    """

    template_name = "workspace/form.html"

    def get_record(self, pk: int | None) -> Any:
        if pk is None:
            return None
        return self.model_view.get_object(self.request.user, pk, Action.CHANGE)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.action = Action.CHANGE if kwargs.get("pk") is not None else Action.ADD
        if self.model_view.form_class is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, record: Any, data: Any = None) -> Any:
        return self.model_view.get_form(self.request, record, data)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        record = self.get_record(pk)
        return self.render_form(record, self.make_form(record))

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        mv, user = self.model_view, request.user
        record = self.get_record(pk)
        form = self.make_form(record, request.POST)
        if "_validate" in request.POST:
            # Inline validation: errors of the fields the user has filled in so far (required-field
            # errors wait for the real submit), each swapped into its place by htmx.
            form.is_valid()
            shown = {name for name, value in request.POST.items() if value.strip()}
            return render(request, "workspace/_validation.html", {"form": form, "shown": shown})
        if not form.is_valid():
            return self.render_form(record, form, status=422 if is_htmx(request) else 200)
        try:
            with transaction.atomic():
                if record is None:
                    saved = mv.create(user, form.cleaned_data)
                else:
                    saved = mv.update(user, record, form.cleaned_data, _version(request))
        except StaleEdit as exc:
            conflict = _conflict(mv, exc.current, form)
            form.add_error(
                None,
                _(
                    "Someone else changed this record while you were editing. Your input is kept below; "
                    "check the current values, then save again to overwrite them."
                ),
            )
            return self.render_form(exc.current, form, conflict=conflict, status=409)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.render_form(record, form)
        if record is None:
            messages.success(request, _("%(name)s “%(record)s” was created.") % _names(mv, saved))
        else:
            messages.success(request, _("%(name)s “%(record)s” was saved.") % _names(mv, saved))
        target = mv.detail_url(saved) if mv.has_detail else mv.list_url()
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

    def form_context(self, record: Any, form: Any, **extra: Any) -> dict[str, Any]:
        return {
            **self.base_context(),
            "record": record,
            "form": form,
            "version": record.version if record is not None else None,
            **extra,
        }

    def render_form(self, record: Any, form: Any, *, conflict: Any = None, status: int = 200) -> HttpResponse:
        context = self.form_context(record, form, conflict=conflict)
        if conflict is not None:
            context["version"] = conflict["version"]
        return render(self.request, self.template_name, context, status=status)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _names(mv: type[ModelView], record: Any) -> dict[str, str]:
    return {"name": mv.verbose_name().capitalize(), "record": str(record)}


def _conflict(mv: type[ModelView], current: Any, form: Any) -> dict[str, Any]:
    """The saved values that differ from the user's input, and who saved last (from the history)."""
    submitted = form.cleaned_data
    differing = []
    for name, value in mv.current_values(current, form).items():
        mine = submitted.get(name)
        if hasattr(mine, "all") and hasattr(value, "all"):
            continue
        if (value or None) != (mine or None):
            label = form.fields[name].label if name in form.fields else name
            differing.append({"label": label, "value": value if value not in (None, "") else "—"})
    latest = history_rows(current, limit=1)
    return {"version": current.version, "fields": differing, "latest": latest[0] if latest else None}


class ObjectDeleteView(ModelPage):
    """Confirm, then move the record to the recycle bin (restorable for the configured days)."""

    template_name = "workspace/confirm_delete.html"
    action = Action.DELETE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from opensales.recyclebin.selectors import retention_days

        record = self.model_view.get_object(request.user, pk, Action.DELETE)
        context = {**self.base_context(), "record": record, "recycle_days": retention_days()}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        mv = self.model_view
        record = mv.get_object(request.user, pk, Action.DELETE)
        try:
            with transaction.atomic():
                mv.delete(request.user, record)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(mv.detail_url(record) if mv.has_detail else mv.list_url())
        messages.success(
            request, _("%(name)s “%(record)s” was moved to the recycle bin.") % _names(mv, record)
        )
        return redirect(mv.list_url())


def urlpatterns_for(mv: type[ModelView]) -> list:
    """The routes of one model: <name>_list, _create, _detail, _edit, _delete (in the app's namespace)."""
    name = mv.name
    patterns = [path("", (mv.list_view_class or ObjectListView).as_view(model_view=mv), name=f"{name}_list")]
    if mv.form_class is not None:
        patterns.append(
            path("new/", (mv.edit_view_class or ObjectEditView).as_view(model_view=mv), name=f"{name}_create")
        )
        patterns.append(
            path(
                "<int:pk>/edit/",
                (mv.edit_view_class or ObjectEditView).as_view(model_view=mv),
                name=f"{name}_edit",
            )
        )
    if mv.has_detail:
        patterns.append(
            path(
                "<int:pk>/",
                (mv.detail_view_class or ObjectDetailView).as_view(model_view=mv),
                name=f"{name}_detail",
            )
        )
    if mv.deletable:
        patterns.append(
            path(
                "<int:pk>/delete/",
                (mv.delete_view_class or ObjectDeleteView).as_view(model_view=mv),
                name=f"{name}_delete",
            )
        )
    return patterns
