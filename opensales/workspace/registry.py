"""The workspace registry: a model declares its pages once, the generic machinery does the rest.

    @register
    class EmployeeView(ModelView):
        model = Employee
        key = "employees"                 # URL segment, API path, saved views, export file name
        namespace, name = "org", "employee"   # routes org:employee_list, org:employee_detail, …
        filterset_class = EmployeeFilter  # one FilterSet serves the list, the export and the API
        columns = [Column("name", _("Full name"), sort="user__full_name"), …]
        form_class = EmployeeForm
        def create(self, actor, data): …  # the model's services do every write

The app includes `EmployeeView.urls()` in its urls.py (inside its namespace). Everything a view, an
export, a bulk action or the API needs to know about the model is asked of this object, so they all
agree on the scope, the filters, the sort and the columns (docs/adding-a-model.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.functional import Promise

from opensales.core.actions import Action
from opensales.core.registry import get_entry
from opensales.core.scope import get_visible_or_404, has_action

if TYPE_CHECKING:
    from django.http import QueryDict

    from .filters import WorkspaceFilterSet


@dataclass(frozen=True)
class Column:
    """One column of a list (and of its export).

    `value` reads the cell from a record: a dotted path ("user.full_name", "get_status_display") or a
    callable(record). `sort` is the ORM ordering path; a column without it is not sortable.
    `template` renders the cell in the page (it receives `record` and `value`, nothing else); `render`, a
    callable(record, value) returning escaped HTML, does the same in Python, at a fraction of the cost
    (workspace/cells.py). `needs` names the fields a callable `value` reads (workspace/slim.py).
    Exports always use `export` (a callable(record)) or else `value`, as plain text.
    """

    key: str
    label: str | Promise
    value: str | Callable[[Any], Any] | None = None
    sort: str | None = None
    template: str | None = None
    export: Callable[[Any], Any] | None = None
    default: bool = True  # shown when the user has not chosen columns
    required: bool = False  # cannot be hidden (the record's name, with its link)
    css: str = ""  # e.g. "d-none d-md-table-cell" or "text-end text-nowrap"
    render: Callable[[Any, Any], str] | None = None  # (record, value) -> escaped HTML; see above
    # The ORM paths a callable `value` reads ("owner__full_name"), so the API list can read just those
    # (workspace/slim.py); None: unknown, the records are read whole. Paths of fields are derived.
    needs: tuple[str, ...] | None = None

    def read(self, record: Any) -> Any:
        source = self.value if self.value is not None else self.key
        if callable(source):
            return source(record)
        value: Any = record
        for part in source.split("."):
            if value is None:
                return None
            value = getattr(value, part)
            if callable(value) and not isinstance(value, Model | QuerySet):
                value = value()
        return value

    @cached_property
    def reader(self) -> Callable[[Any], Any]:
        """`read` with its dispatch on the kind of `value` done once (most columns name one attribute):
        what the rows of a list page and of an API list call, 50 records × every column."""
        source = self.value if self.value is not None else self.key
        if callable(source):
            return source
        if "." in source:
            return self.read
        get = attrgetter(source)

        def read(record: Any) -> Any:
            value = get(record)
            if callable(value) and not isinstance(value, Model | QuerySet):
                return value()  # e.g. get_status_display
            return value

        return read

    def export_value(self, record: Any) -> Any:
        return self.export(record) if self.export is not None else self.read(record)


@dataclass(frozen=True)
class Tab:
    """A tab of the detail page: `template` is included with the detail context."""

    key: str
    label: str | Promise
    template: str
    icon: str = ""
    # (user, record) -> bool; None = always shown
    visible: Callable[[Any, Any], bool] | None = None


@dataclass(frozen=True)
class BulkAction:
    """A bulk action offered on the list; the bulk app runs it (opensales/bulk)."""

    key: str  # "change_owner", "add_tags", "remove_tags", "add_collaborators", "delete", or a model's own
    label: str | Promise
    action: str = Action.CHANGE  # the permission every affected record needs
    icon: str = ""
    danger: bool = False
    # For a model's own actions: (actor, queryset of records, params: dict) -> int (records changed).
    run: Callable[..., int] | None = None
    # Form (a django Form class) asking for the action's parameters, if any.
    form_class: Any = None


class ModelView:
    """The declaration of one model's workspace pages. Subclass, set the attributes, `@register` it."""

    # Templates get the class itself ("model_view"); they must not call it.
    do_not_call_in_templates: ClassVar[bool] = True

    model: ClassVar[type[Model]]
    key: ClassVar[str]
    namespace: ClassVar[str]
    name: ClassVar[str]
    icon: ClassVar[str] = "ti-list"

    filterset_class: ClassVar[type[WorkspaceFilterSet] | None] = None
    columns: ClassVar[Sequence[Column]] = ()
    # Sort when the URL names none: a column key, "-" for descending. The primary key breaks ties.
    default_sort: ClassVar[str] = "-pk"
    page_sizes: ClassVar[Sequence[int]] = (25, 50, 100)
    select_related: ClassVar[Sequence[str]] = ()
    # Foreign keys the detail page shows, read with the record (default: the list's select_related).
    detail_select_related: ClassVar[Sequence[str]] = ()
    prefetch_related: ClassVar[Sequence[str]] = ()
    # Lists longer than this page by keyset (a cursor) instead of page numbers.
    keyset_threshold: ClassVar[int] = 10_000

    form_class: ClassVar[Any] = None  # create/edit form (a ModelForm); None = no create/edit pages
    tabs: ClassVar[Sequence[Tab]] = ()  # extra detail tabs (overview, files and history are built in)
    detail_template: ClassVar[str] = ""  # the overview tab's body; "" = the columns as a definition list
    tags: ClassVar[bool] = False  # records can carry tags (filter, column, bulk add/remove)
    bulk_actions: ClassVar[Sequence[BulkAction]] = ()
    deletable: ClassVar[bool] = True  # delete to the recycle bin (needs the delete action)
    show_on_home: ClassVar[bool] = True  # listed in the home page's "My lists"
    has_detail: ClassVar[bool] = True  # False: the list links to the edit page instead
    # Page classes (subclasses of the generic views in workspace/views.py); None = the generic one.
    list_view_class: ClassVar[Any] = None
    detail_view_class: ClassVar[Any] = None
    edit_view_class: ClassVar[Any] = None
    delete_view_class: ClassVar[Any] = None
    api: ClassVar[bool] = True  # generic API endpoints under /api/v1/<key>
    api_schema: ClassVar[Any] = None  # output schema (Ninja Schema); None = derived from `api_fields`
    api_fields: ClassVar[Sequence[str]] = ()

    # --- what the model is ------------------------------------------------------------------------

    @classmethod
    def label(cls) -> str:
        return cls.model._meta.label_lower

    @classmethod
    def verbose_name(cls) -> str:
        return str(cls.model._meta.verbose_name)

    @classmethod
    def verbose_name_plural(cls) -> str:
        return str(cls.model._meta.verbose_name_plural)

    @classmethod
    def scope_entry(cls):
        return get_entry(cls.model)

    # --- queries ------------------------------------------------------------------------------------

    @classmethod
    def queryset(cls, user: Any, action: str = Action.VIEW) -> QuerySet:
        """The records `user` may `action`, with what the columns need loaded."""
        qs = cls.model.objects.visible_to(user, action)
        if cls.select_related:
            qs = qs.select_related(*cls.select_related)
        if cls.prefetch_related:
            qs = qs.prefetch_related(*cls.prefetch_related)
        return qs

    @classmethod
    def filterset(cls, user: Any, params: QueryDict, action: str = Action.VIEW) -> WorkspaceFilterSet:
        from .filters import WorkspaceFilterSet

        filterset_class = cls.filterset_class or WorkspaceFilterSet.for_model(cls.model)
        return filterset_class(params, queryset=cls.queryset(user, action), user=user, view=cls)

    @classmethod
    def filtered(cls, user: Any, params: QueryDict, action: str = Action.VIEW) -> QuerySet:
        """The records the list shows for these URL parameters: scope, filters and sort applied.

        Exports, bulk actions on "all matching" and the API read the same queryset, so what a user
        sees is exactly what they export or change. Invalid filter values match nothing (never
        everything: an export or a bulk change must not widen because of a typo); the list page
        shows their errors.
        """
        from .listing import order_by

        filterset = cls.filterset(user, params, action)
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        return order_by(qs, cls.sort_from(params))

    @classmethod
    def prepare_rows(cls, records: list[Model], user: Any = None) -> list[Model]:
        """Load what the columns need for one page (or one export chunk) of records, in few queries:
        tags, and whatever a subclass adds (call super()). `user` (the reader) lets a subclass count
        related records within the reader's scope."""
        if cls.tags:
            from .tags import attach_tags

            attach_tags(records)
        return records

    @classmethod
    def picker_queryset(cls, user: Any, params: QueryDict) -> QuerySet:
        """Records offered by a picker of this model (dependent dropdowns narrow it by `params`)."""
        return cls.model.objects.visible_to(user, Action.VIEW).select_related(*cls.select_related)

    @classmethod
    def picker_search(cls, qs: QuerySet, term: str) -> QuerySet:
        """Text match for pickers of models outside the global search."""
        fields = getattr(cls.filterset_class, "search_fields", ()) if cls.filterset_class else ()
        if not fields:
            return qs
        from functools import reduce
        from operator import or_

        from django.db.models import Q

        return qs.filter(reduce(or_, (Q(**{f"{f}__icontains": term}) for f in fields)))

    @classmethod
    def get_object(cls, user: Any, pk: Any, action: str = Action.VIEW) -> Model:
        return get_visible_or_404(
            cls.model, user, pk, action, related=cls.detail_select_related or cls.select_related
        )

    # --- columns and sort -----------------------------------------------------------------------

    @classmethod
    def column_map(cls) -> dict[str, Column]:
        return {c.key: c for c in cls.all_columns()}

    @classmethod
    def all_columns(cls) -> list[Column]:
        columns = list(cls.columns)
        if cls.tags:
            from .tags import TAGS_COLUMN

            columns.append(TAGS_COLUMN)
        return columns

    @classmethod
    def visible_columns(cls, params: QueryDict) -> list[Column]:
        """The columns named by `?cols=a,b` (in the declared order), else the default ones."""
        chosen = {c for c in params.get("cols", "").split(",") if c}
        columns = cls.all_columns()
        picked = [c for c in columns if c.required or c.key in chosen] if chosen else []
        if not [c for c in picked if not c.required]:
            picked = [c for c in columns if c.default or c.required]
        return picked

    @classmethod
    def sort_from(cls, params: QueryDict) -> tuple[str, str]:
        """(column key, ORM path with "-" when descending) from `?sort=`, else the default sort."""
        columns = cls.column_map()
        for requested in (params.get("sort", ""), cls.default_sort):
            key = requested.lstrip("-")
            descending = requested.startswith("-")
            if key == "pk" or (requested == cls.default_sort and key not in columns):
                return requested, requested  # the default may be a plain ORM path, e.g. "path"
            column = columns.get(key)
            if column is not None and column.sort:
                return requested, ("-" if descending else "") + column.sort
        return "-pk", "-pk"

    # --- writes (override: the model's services do the work) ------------------------------------

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError(f"{cls.__name__}.create")

    @classmethod
    def update(cls, actor: Any, record: Model, data: dict[str, Any], version: int) -> Model:
        raise NotImplementedError(f"{cls.__name__}.update")

    @classmethod
    def delete(cls, actor: Any, record: Model) -> None:
        from opensales.recyclebin.services import soft_delete

        soft_delete(actor=actor, obj=record)

    @classmethod
    def initial(cls, request: Any, record: Model | None) -> dict[str, Any]:
        """Initial values of the create form (e.g. from the query string: ?department=3)."""
        return {}

    @classmethod
    def get_form(cls, request: Any, record: Model | None, data: Any = None) -> Any:
        """The create (record None) or edit form. The version travels beside it, not in it."""
        initial = cls.initial(request, record) if record is None else None
        return cls.form_class(data, instance=record, initial=initial, user=request.user)

    @classmethod
    def current_values(cls, record: Model, form: Any) -> dict[str, Any]:
        """The record's saved value of each form field (shown when an edit turns out stale)."""
        return {name: getattr(record, name) for name in form.fields if hasattr(record, name)}

    # --- permissions for buttons ---------------------------------------------------------------

    @classmethod
    def may(cls, user: Any, action: str) -> bool:
        return has_action(user, cls.model, action)

    # --- URLs -----------------------------------------------------------------------------------

    @classmethod
    def route(cls, page: str) -> str:
        return f"{cls.namespace}:{cls.name}_{page}"

    @classmethod
    def list_url(cls) -> str:
        return reverse(cls.route("list"))

    @classmethod
    def detail_url(cls, record: Model) -> str:
        if not cls.has_detail:
            return reverse(cls.route("edit"), args=[record.pk])
        return reverse(cls.route("detail"), args=[record.pk])

    @classmethod
    def record_url(cls, record: Model) -> str:
        """Where a link to the record goes (used by search, notifications and the recycle bin)."""
        return cls.detail_url(record)

    @classmethod
    def urls(cls) -> list:
        from . import views

        return views.urlpatterns_for(cls)


@dataclass
class _Registry:
    by_key: dict[str, type[ModelView]] = field(default_factory=dict)
    by_label: dict[str, type[ModelView]] = field(default_factory=dict)


_registry = _Registry()


def register(view: type[ModelView]) -> type[ModelView]:
    """Class decorator: put a model's ModelView in the registry (import it from the app's urls.py)."""
    if view.key in _registry.by_key and _registry.by_key[view.key] is not view:
        raise ValueError(f"workspace key {view.key!r} is taken by {_registry.by_key[view.key].__name__}")
    # That the model is under the permission scope is checked once every app is ready (checks.py).
    _registry.by_key[view.key] = view
    _registry.by_label[view.label()] = view
    return view


def get_view(key: str) -> type[ModelView]:
    try:
        return _registry.by_key[key]
    except KeyError:
        raise LookupError(f"no workspace model {key!r}") from None


def view_for(model_or_label: type[Model] | Model | str) -> type[ModelView] | None:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    return _registry.by_label.get(label)


def all_views() -> list[type[ModelView]]:
    return sorted(_registry.by_key.values(), key=lambda v: v.key)
