"""The permission scope (数据权限): one function decides which records a user may touch.

    can(user, action, record) =
          a role grants the action on the model
      AND (   the grant's data scope covers the record's owner (or department)
           OR the user is a collaborator on the record at the needed level
           OR a model-specific rule admits it (e.g. the public pool) )
    a child model (contacts, activities…) follows its parent's visibility instead.

`scope_q` turns that rule into one `Q`; `ScopedQuerySet.visible_to` applies it. Grants are read
once per request (they hang on the user object, which Django loads anew for every request), so a
change of role, department or active flag applies from the user's next request on.

Soft delete (the recycle bin, docs/recycle-bin.md): `visible_to(...)` and `unscoped(...)` leave out
records whose `deleted_at` is set; `.with_deleted()` takes them in, `.deleted_only()` keeps only them.
The modifiers combine with either, in any order: the condition is one node of the query's WHERE whose
SQL is chosen when the query is compiled, from the mode the query carries.
"""

from __future__ import annotations

import contextvars
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, FullResultSet
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import IsNull
from django.http import Http404

from .access_stamp import Kept, copy_record, current
from .actions import COLLABORATOR_EDIT_ACTIONS, COLLABORATOR_READ_ACTIONS, PARENT_READ_ACTIONS, Action
from .actions import DataScope as S
from .registry import get_entry

NOTHING = Q(pk__in=[])


class UnscopedQueryError(RuntimeError):
    """A scoped model was queried without `.visible_to(user, action)` or `.unscoped(reason=...)`."""


@dataclass
class Reach:
    """What one user's roles, together, grant for one (model, action)."""

    all: bool = False
    own: bool = False
    department_ids: set[int] = field(default_factory=set)
    subtree_paths: set[str] = field(default_factory=set)

    def widen(self, scope: str, home: Any, custom: list[Any]) -> None:
        if scope == S.ALL:
            self.all = True
        self.own = True  # every scope includes one's own records
        if scope == S.DEPT and home is not None:
            self.department_ids.add(home.pk)
        elif scope == S.DEPT_AND_CHILD and home is not None:
            self.subtree_paths.add(home.path)
        elif scope == S.CUSTOM:
            self.subtree_paths.update(d.path for d in custom)

    def describe_departments(self) -> Q:
        """Departments this reach covers, as a filter on Department."""
        q = Q(pk__in=self.department_ids) if self.department_ids else NOTHING
        for path in self.subtree_paths:
            q |= Q(path__startswith=path)
        return q


@dataclass
class Grants:
    home_department: Any | None
    reaches: dict[tuple[str, str], Reach]
    # The people of a set of departments (see `reach_people`), read once per request.
    owners: dict[tuple[frozenset, frozenset], list[int]] = field(default_factory=dict)
    # The records shared with the user, with the generation of the shares they were read at (`_shares`).
    shared: tuple[int, dict[tuple[int, str], list[int]] | None] | None = None

    def reach(self, label: str, action: str) -> Reach | None:
        return self.reaches.get((label, action))


# Each process keeps users' grants across requests under the access stamp they were read at
# (core/access_stamp.py): user id → (the employee row, grants).
_kept = Kept(capacity=5000)


def grants_for(user: Any) -> Grants:
    """The union of the user's roles, cached on the user object for this request, and kept by the
    process while the access stamp is unchanged (one query instead of two to four)."""
    cached = getattr(user, "_opensales_grants", None)
    if cached is not None:
        return cached
    Employee = apps.get_model("org", "Employee")
    # The stamp first: data read after it is as new as the stamp or newer, never older. An API request
    # read it already, with its token (api/services.py).
    stamp = getattr(user, "access_stamp", None)
    if stamp is None:
        stamp = current()
    kept = _kept.get(user.pk, stamp)
    if kept is not None:
        employee, result = kept
        # the request may change its own copy, never the kept one
        employee = copy_record(employee)
    else:
        employee, result = _read_grants(user)
        _kept.put(user.pk, stamp, (copy_record(employee), result))
    # `user.employee` (the top bar's title, the profile widget) reads this row instead of its own query.
    Employee._meta.get_field("user").remote_field.set_cached_value(user, employee)
    user._opensales_grants = result
    return result


def _read_grants(user: Any) -> tuple[Any, Grants]:
    RoleGrant = apps.get_model("org", "RoleGrant")
    Department = apps.get_model("org", "Department")
    employee = (
        apps.get_model("org", "Employee")
        ._base_manager.select_related("department")
        .filter(user_id=user.pk)
        .first()
    )
    home = employee.department if employee else None
    reaches: dict[tuple[str, str], Reach] = {}
    custom_departments = models.Prefetch(
        "departments", queryset=Department.objects.unscoped(reason="evaluating a role's chosen departments")
    )
    role_grants = list(RoleGrant.objects.filter(role__users=user, role__is_active=True))
    # Only a "chosen departments" grant reads its departments (most users have none: no query).
    custom_grants = [grant for grant in role_grants if grant.scope == S.CUSTOM]
    models.prefetch_related_objects(custom_grants, custom_departments)
    for grant in role_grants:
        custom = list(grant.departments.all()) if grant.scope == S.CUSTOM else []
        for action in grant.actions:
            reaches.setdefault((grant.model_label, action), Reach()).widen(grant.scope, home, custom)
    return employee, Grants(home_department=home, reaches=reaches)


def forget_grants(user: Any) -> None:
    if hasattr(user, "_opensales_grants"):
        del user._opensales_grants
    if hasattr(user, "access_stamp"):
        del user.access_stamp  # read again: the change that made us forget has set a new one
    _kept.forget(user.pk)


def has_action(user: Any, model: type[models.Model] | str, action: str) -> bool:
    """Whether any role grants `action` on the model at all (the menu and button check)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    entry = get_entry(model)
    return grants_for(user).reach(entry.label, action) is not None


def _reach_q(entry: Any, reach: Reach, user: Any) -> Q:
    if reach.all:
        return Q()
    if entry.owner_field:
        if not (reach.department_ids or reach.subtree_paths):
            return Q(**{f"{entry.owner_field}_id": user.pk}) if reach.own else NOTHING
        # One list with the user in it, not `owner = me OR owner IN (team)`: PostgreSQL answered the OR
        # with a bitmap scan of the table (a manager's board totals: 55 ms); the list alone is an
        # index-only scan of the covering index.
        return Q(**{f"{entry.owner_field}_id__in": _owners(reach, user)})
    prefix = f"{entry.department_field}__" if entry.department_field else ""
    q = NOTHING
    home = grants_for(user).home_department
    if reach.own and home is not None:
        q |= Q(**{f"{prefix}pk": home.pk})
    if reach.department_ids:
        q |= Q(**{f"{prefix}pk__in": reach.department_ids})
    for path in reach.subtree_paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def _owners(reach: Reach, user: Any) -> list[int]:
    """The owners whose records an owner-based `reach` covers: the people of its departments, and the
    user when the reach includes their own."""
    if not (reach.department_ids or reach.subtree_paths):
        return [user.pk] if reach.own else []
    people = reach_people(user, reach)
    if reach.own and user.pk not in people:
        people = sorted([*people, user.pk])
    return people


def owner_split(
    user: Any, model: type[models.Model], action: str = Action.VIEW
) -> tuple[list[int] | None, Q | None] | None:
    """The scope of `user` on an owner-scoped `model` as (owners, rest): every live record of `owners`
    (None: of every owner) and, beyond those, the records `rest` selects (None: none). For reading data
    kept per owner (the board's totals, deals/tally.py). None when the model is not scoped by owner."""
    entry = get_entry(model)
    if not entry.owner_field or entry.parent_field:
        return None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return [], None
    if user.is_superuser or entry.scope_free:
        return None, None
    reach = grants_for(user).reach(entry.label, action)
    if reach is None:
        return [], None
    if reach.all:
        return None, None
    rest = _beyond_reach_q(entry, model, user, action)
    return _owners(reach, user), (None if rest == NOTHING else rest)


def reach_people(user: Any, reach: Reach) -> list[int]:
    """The user ids of the people in the departments `reach` (one of `user`'s) covers, as a list of ids rather than a subquery: with the
    literal list, SQLite's planner walks the list's sort index and stops after a page (a manager's
    100,000-deal list in milliseconds); with a subquery it fetched and sorted every matching row.
    Read once per request (cached with the grants); a few hundred ids for a large region."""
    key = (frozenset(reach.department_ids), frozenset(reach.subtree_paths))
    cache = grants_for(user).owners
    if key not in cache:
        Employee = apps.get_model("org", "Employee")
        dept_q = Q(department_id__in=reach.department_ids) if reach.department_ids else NOTHING
        for path in reach.subtree_paths:
            dept_q |= Q(department__path__startswith=path)
        cache[key] = sorted(
            {pk for pk in Employee._base_manager.filter(dept_q).values_list("user_id", flat=True) if pk}
        )
    return cache[key]


SHARED_AS_LIST = 1000  # records shared with one user (all models), spelled out in the scope up to this many
_shares_counter = itertools.count(1)
_shares_generation = 0


def shares_changed(*args: Any, **kwargs: Any) -> None:
    """Collaborator rows changed: the share lists cached with users' grants in this process are stale.
    Connected to Collaborator's save and delete signals; called by writes that send none (bulk_create,
    update). Other processes read the change from their next request on, as with a change of role."""
    global _shares_generation
    _shares_generation = next(_shares_counter)


def _shared_with(model: type[models.Model], user: Any, levels: list[str]) -> models.QuerySet:
    """The ids of the records of `model` shared with `user` at one of `levels` (a values query)."""
    Collaborator = apps.get_model("core", "Collaborator")
    return Collaborator.objects.filter(
        content_type=ContentType.objects.get_for_model(model), user_id=user.pk, level__in=levels
    ).values("object_id")


def _shares(user: Any) -> dict[tuple[int, str], list[int]] | None:
    """Every record shared with `user`, as {(content type id, level): [ids]}: one query per request for
    all models (usually a handful of rows); None when there are too many to spell out."""
    grants = grants_for(user)
    if grants.shared is None or grants.shared[0] != _shares_generation:
        Collaborator = apps.get_model("core", "Collaborator")
        rows = list(
            Collaborator.objects.filter(user_id=user.pk).values_list("content_type_id", "level", "object_id")[
                : SHARED_AS_LIST + 1
            ]
        )
        by_key: dict[tuple[int, str], list[int]] | None = None
        if len(rows) <= SHARED_AS_LIST:
            by_key = {}
            for content_type_id, level, object_id in rows:
                by_key.setdefault((content_type_id, level), []).append(object_id)
        grants.shared = (_shares_generation, by_key)
    return grants.shared[1]


def _collaborator_q(model: type[models.Model], user: Any, action: str) -> Q:
    if action in COLLABORATOR_READ_ACTIONS:
        levels = ["read", "edit"]
    elif action in COLLABORATOR_EDIT_ACTIONS:
        levels = ["edit"]
    else:
        return NOTHING
    # The records shared with the user as a literal list (usually none): as a subquery OR-ed into the
    # scope it kept the planners from using the owner index (SQLite read every row of a calendar's
    # period, PostgreSQL scanned 400,000 follow-ups by date).
    shares = _shares(user)
    if shares is None:  # too many to spell out: the subquery
        return Q(pk__in=_shared_with(model, user, levels))
    content_type_id = ContentType.objects.get_for_model(model).pk
    ids = sorted(pk for level in levels for pk in shares.get((content_type_id, level), ()))
    return Q(pk__in=ids) if ids else NOTHING


def scope_q(user: Any, model: type[models.Model], action: str = Action.VIEW) -> Q:
    """The filter selecting the records of `model` on which `user` may perform `action`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        # Everything, except the children of a record in the recycle bin (they go with their parent).
        parent_field = get_entry(model).parent_field
        return _live_parent_q(model, parent_field) if parent_field else Q()
    entry = get_entry(model)
    reach = grants_for(user).reach(entry.label, action)
    if reach is None:
        return NOTHING
    if entry.scope_free:
        return Q()
    if entry.parent_field:
        parent = model._meta.get_field(entry.parent_field).related_model
        parent_action = Action.VIEW if action in PARENT_READ_ACTIONS else Action.CHANGE
        narrowed = entry.parent_filter(user, parent_action) if entry.parent_filter else Q()
        if not narrowed and not scope_q(user, parent, parent_action):
            return _live_parent_q(model, entry.parent_field)  # every parent is visible
        visible_parents = parent.objects.visible_to(user, parent_action).filter(narrowed).values("pk")
        return Q(**{f"{entry.parent_field}__in": visible_parents})
    q = _reach_q(entry, reach, user)
    return q if reach.all else q | _beyond_reach_q(entry, model, user, action)


def _beyond_reach_q(entry: Any, model: type[models.Model], user: Any, action: str) -> Q:
    """What a scope adds to its reach: the records shared with the user and the model's own extra."""
    q = _collaborator_q(model, user, action)
    if entry.extra_q is not None:
        extra = entry.extra_q(user, action)
        if extra is not None:
            q |= extra
    return q


def _live_parent_q(model: type[models.Model], parent_field: str) -> Q:
    """The children of live parents, for a reader who sees every parent: a join on the parent's
    `deleted_at` instead of `parent IN (every live parent)`, which made the database list all 100,000
    customers to show the contacts of one (a director's customer page: 60 ms → 0)."""
    return Q(**{f"{parent_field}__isnull": False, f"{parent_field}__deleted_at__isnull": True})


# --- The manager that refuses to be queried without a scope --------------------------------------

_system_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("opensales_system", default=None)


@contextmanager
def system_access(reason: str) -> Iterator[None]:
    """Let code in this block query scoped models unscoped (uniqueness checks, system jobs)."""
    token = _system_reason.set(reason)
    try:
        yield
    finally:
        _system_reason.reset(token)


# --- Soft delete: which rows a scoped query reads ----------------------------------------------------

LIVE, WITH_DELETED, DELETED_ONLY = "live", "with_deleted", "deleted_only"
_MODE = "opensales_deleted_rows"  # attribute on the Query (copied with it on every clone)


class DeletedRows(IsNull):
    """`deleted_at IS NULL` (live rows, the default), `IS NOT NULL` (the recycle bin) or no condition,
    read from the mode of the query being compiled. Being a node of the WHERE, it follows the query
    into subqueries, counts, updates and unions."""

    def __init__(self) -> None:
        super().__init__(F("deleted_at"), True)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        mode = getattr(compiler.query, _MODE, LIVE)
        if mode == WITH_DELETED:
            raise FullResultSet
        sql, params = compiler.compile(self.lhs)
        return f"{sql} IS {'NOT ' if mode == DELETED_ONLY else ''}NULL", list(params)


_soft_deletable: dict[type, bool] = {}


def is_soft_deletable(model: type[models.Model]) -> bool:
    """Whether the model has the recycle-bin columns (every concrete `core.models.ScopedModel`)."""
    if model not in _soft_deletable:
        try:
            model._meta.get_field("deleted_at")
            _soft_deletable[model] = True
        except FieldDoesNotExist:
            _soft_deletable[model] = False
    return _soft_deletable[model]


def scope_is_unconditional(qs: models.QuerySet) -> bool:
    """Whether a `visible_to(...)` queryset reaches every live record: no condition in its WHERE but
    the soft-delete one (the search uses this to pick its query form)."""
    return all(isinstance(child, DeletedRows) for child in qs.query.where.children)


class ScopedQuerySet(models.QuerySet):
    _scope_applied: str | None = None

    def _rows(self, mode: str | None = None) -> ScopedQuerySet:
        """A copy carrying the soft-delete condition (once), in `mode` if given."""
        qs = self._chain()
        if not is_soft_deletable(self.model):
            if mode not in (None, LIVE, WITH_DELETED):
                raise TypeError(f"{self.model._meta.label} has no recycle bin")
            return qs
        query = qs.query
        if not any(isinstance(child, DeletedRows) for child in query.where.children):
            query.add_q(Q(DeletedRows()))
        if mode is not None:
            setattr(query, _MODE, mode)
        return qs

    def visible_to(self, user: Any, action: str = Action.VIEW) -> ScopedQuerySet:
        qs = self.filter(scope_q(user, self.model, action))._rows()
        qs._scope_applied = f"user:{getattr(user, 'pk', None)}:{action}"
        return qs

    def unscoped(self, *, reason: str) -> ScopedQuerySet:
        if not reason:
            raise ValueError("unscoped() needs a reason")
        qs = self._rows()
        qs._scope_applied = f"system:{reason}"
        return qs

    def with_deleted(self) -> ScopedQuerySet:
        """Live records and those in the recycle bin."""
        return self._rows(WITH_DELETED)

    def deleted_only(self) -> ScopedQuerySet:
        """Only the records in the recycle bin."""
        return self._rows(DELETED_ONLY)

    def _clone(self) -> ScopedQuerySet:
        clone = super()._clone()
        clone._scope_applied = self._scope_applied
        return clone

    def _require_scope(self) -> None:
        if self._scope_applied is None and _system_reason.get() is None:
            raise UnscopedQueryError(
                f"{self.model._meta.label} queried without visible_to(user, action) or unscoped(reason=...)"
            )

    def _fetch_all(self) -> None:
        self._require_scope()
        super()._fetch_all()

    def count(self) -> int:
        self._require_scope()
        return super().count()

    def exists(self) -> bool:
        self._require_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_scope()
        return super().delete()

    def iterator(self, chunk_size: int | None = None):  # type: ignore[override]
        self._require_scope()
        return super().iterator(chunk_size=chunk_size)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        # Used as a subquery inside another query.
        self._require_scope()
        return super().resolve_expression(*args, **kwargs)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


class OpenScopedQuerySet(ScopedQuerySet):
    """`visible_to` for request code, without the refusal: for system records (the audit log) that
    system code reads and writes everywhere, while what a person sees still goes through the scope."""

    def _require_scope(self) -> None:
        return None


OpenScopedManager = models.Manager.from_queryset(OpenScopedQuerySet)


def get_visible_or_404(
    model: type[models.Model], user: Any, pk: Any, action: str = Action.VIEW, *, related: Sequence[str] = ()
) -> Any:
    """Out of scope looks exactly like not found. `related`: foreign keys to read in the same query."""
    try:
        qs = model.objects.visible_to(user, action)
        # select_related() without names would follow every foreign key (and is deprecated).
        return (qs.select_related(*related) if related else qs).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        _audit_out_of_scope(model, user, pk, action)
        raise Http404 from None


def _audit_out_of_scope(model: type[models.Model], user: Any, pk: Any, action: str) -> None:
    """The user sees "not found"; the audit log records that the record exists and was refused."""
    record = model._base_manager.filter(pk=pk).first() if str(pk).isdigit() else None
    # A record in the recycle bin is gone for everyone: asking for it is not a refusal.
    if record is not None and getattr(record, "deleted_at", None) is None:
        from opensales.audit.services import record as audit

        audit(action="access.denied", actor=user, obj=record, outcome="denied", changes={"action": action})


def require_all_visible(model: type[models.Model], user: Any, ids: list[Any], action: str) -> list[Any]:
    """A bulk action is all or nothing: one id outside the scope rejects the whole batch (404)."""
    wanted = set(ids)
    found = list(model.objects.visible_to(user, action).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise Http404
    return found


def can(user: Any, action: str, record: models.Model) -> bool:
    return type(record).objects.visible_to(user, action).filter(pk=record.pk).exists()
