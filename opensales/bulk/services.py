"""Running bulk actions: resolve the rows, check every one against the scope, write through the services.

    run_bulk(actor=user, view=CustomerView, action_key="add_tags", ids=[3, 5, 8], params={"tags": ["重点"]})
    run_bulk(actor=user, view=CustomerView, action_key="delete", query="status=lost")   # all matching

The UI (views.py), the API (api.py) and the lead's per-model API all call `run_bulk`. Up to
OPENSALES_BULK_SYNC_LIMIT rows run at once in one transaction and return a `BulkResult`; more become a
`Job` run by the worker (tasks.py), all or nothing as well. One row outside the actor's scope for the
action rejects the whole batch (`BulkRejected`) and changes nothing. docs/bulk-and-export.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from opensales.audit.services import record as audit
from opensales.core.models import Collaborator
from opensales.core.scope import has_action, shares_changed

from . import actions as built_in
from .models import Job

logger = logging.getLogger(__name__)

CHUNK = 500
MAX_IDS = 100_000
JOB_DONE_KIND = "bulk_job"

Progress = Callable[[int], None]


def sync_limit() -> int:
    return int(getattr(settings, "OPENSALES_BULK_SYNC_LIMIT", 200))


class BulkError(Exception):
    """A bulk action refused before (or instead of) changing anything; `message` is for people."""

    status = 422
    code = "invalid"

    def __init__(self, message: Any, fields: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.fields = fields or {}


class BulkRejected(BulkError):
    """At least one row does not exist or is outside the actor's scope for the action."""

    status = 404
    code = "not_found"


@dataclass
class BulkResult:
    action: str
    count: int
    ids: list[int] = field(default_factory=list)
    message: str = ""


def chunks(items: Sequence[Any], size: int | None = None) -> Iterable[Sequence[Any]]:
    size = size or CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rejected() -> BulkRejected:
    return BulkRejected(
        _(
            "Some of the selected records do not exist or are outside what you may change. "
            "Nothing was changed."
        )
    )


def _action(view: Any, key: str):
    bulk = built_in.find_action(view, key)
    if bulk is None:
        raise BulkError(_("Choose an action."), {"action": [_("Select a valid choice.")]})
    return bulk


def _form_errors(form: Any) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def validate_params(view: Any, bulk: Any, actor: Any, data: Any, prefix: str | None = None) -> dict[str, Any]:
    """Bind and check the action's parameter form; returns the params as JSON."""
    form = built_in.make_form(view, bulk, actor, data=data or {}, prefix=prefix)
    if form is None:
        return {}
    if not form.is_valid():
        raise BulkError(_("Check the action's settings."), _form_errors(form))
    return built_in.form_params(form)


def _clean_ids(ids: Iterable[Any]) -> list[int]:
    cleaned: list[int] = []
    seen: set[int] = set()
    for raw in ids:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise rejected() from None
        if pk <= 0:
            raise rejected()
        if pk not in seen:
            seen.add(pk)
            cleaned.append(pk)
    if len(cleaned) > MAX_IDS:
        raise BulkError(
            _("Select at most %(n)s rows, or choose all rows matching the filter.") % {"n": MAX_IDS}
        )
    return cleaned


def resolve_ids(
    *, actor: Any, view: Any, permission: str, ids: Iterable[Any] | None, query: str | None
) -> list[int]:
    """The target rows, every one checked against the actor's scope for `permission`.

    Explicit `ids`: all of them must be in scope (one count query) or the batch is rejected.
    `ids=None` with a `query`: every row the list shows for that query string, read with the action's
    scope (`V.filtered(actor, query, permission)`), so the rows are in scope by construction.
    """
    if ids is None:
        if query is None:
            raise BulkError(_("Select at least one row."))
        qs = view.filtered(actor, QueryDict(query), permission)
        found = list(qs.values_list("pk", flat=True)[: MAX_IDS + 1])
        if len(found) > MAX_IDS:
            raise BulkError(
                _("Too many rows match the filter (more than %(n)s). Narrow it down.") % {"n": MAX_IDS}
            )
        return found
    wanted = _clean_ids(ids)
    if not wanted:
        raise BulkError(_("Select at least one row."))
    visible = 0
    for part in chunks(wanted, 5000):
        visible += view.model.objects.visible_to(actor, permission).filter(pk__in=part).count()
    if visible != len(wanted):
        raise rejected()
    return wanted


def run_bulk(
    *,
    actor: Any,
    view: Any,
    action_key: str,
    ids: Iterable[Any] | None = None,
    query: str | None = None,
    params: Any = None,
    prefix: str | None = None,
) -> BulkResult | Job:
    """Check, then run now (≤ OPENSALES_BULK_SYNC_LIMIT rows) or hand to the worker (a pending `Job`).

    `ids=None` and `query` a list query string ("" = no filters) means "all rows matching the filter".
    `params` is the action's parameters (a dict, or the POST data with `prefix` for the UI's forms).
    Raises PermissionDenied when no role grants the action on the model at all, BulkError for bad input,
    BulkRejected when a row is outside the scope.
    """
    bulk = _action(view, action_key)
    permission = built_in.required_action(view, bulk)
    if not has_action(actor, view.model, permission):
        raise PermissionDenied
    clean = validate_params(view, bulk, actor, params, prefix)
    target = resolve_ids(actor=actor, view=view, permission=permission, ids=ids, query=query)
    if not target:
        raise BulkError(_("No rows match the filter. Nothing was changed."))
    if len(target) <= sync_limit():
        with transaction.atomic():
            return perform(actor=actor, view=view, bulk=bulk, ids=target, params=clean)
    job_params: dict[str, Any] = {"params": clean}
    if ids is None:
        job_params["query"] = query or ""
    else:
        job_params["ids"] = target
    job = Job.objects.create(
        kind=Job.Kind.BULK,
        user=actor,
        list_key=view.key,
        action=bulk.key,
        params=job_params,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total=len(target),
    )
    from .tasks import run_job

    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


# --- Performing an action (inside the caller's transaction) ----------------------------------------


def perform(
    *,
    actor: Any,
    view: Any,
    bulk: Any,
    ids: list[int],
    params: dict[str, Any],
    progress: Progress | None = None,
) -> BulkResult:
    """Run one checked action on `ids` (already resolved and scope-checked) through the services."""
    report = progress or (lambda done: None)
    permission = built_in.required_action(view, bulk)
    if bulk.key == built_in.CHANGE_OWNER.key and bulk.run is None:
        owner = _owner(view, actor, params)
        count = change_owner(
            actor=actor, view=view, ids=ids, owner=owner, permission=permission, progress=report
        )
        message = ngettext(
            "Changed the owner of %(count)d record to %(owner)s.",
            "Changed the owner of %(count)d records to %(owner)s.",
            count,
        ) % {"count": count, "owner": owner.get_full_name()}
    elif bulk.key in built_in.TAG_KEYS and bulk.run is None:
        from opensales.workspace.tags import add_tags, remove_tags, tags_by_names

        if bulk.key == built_in.ADD_TAGS.key:
            tags, service = tags_by_names(params.get("tags") or [], actor=actor), add_tags
        else:
            from opensales.workspace.models import Tag

            tags, service = list(Tag.objects.filter(name__in=params.get("tags") or [])), remove_tags
        _recheck(view, actor, permission, ids)
        count = service(actor=actor, model=view.model, ids=ids, tags=tags)
        report(count)
        names = "、".join(t.name for t in tags)
        if bulk.key == built_in.ADD_TAGS.key:
            message = ngettext(
                "Tagged %(count)d record with %(tags)s.", "Tagged %(count)d records with %(tags)s.", count
            ) % {"count": count, "tags": names}
        else:
            message = ngettext(
                "Removed %(tags)s from %(count)d record.", "Removed %(tags)s from %(count)d records.", count
            ) % {"count": count, "tags": names}
    elif bulk.key == built_in.ADD_COLLABORATORS.key and bulk.run is None:
        users = _users(view, actor, params)
        level = params.get("level") or Collaborator.Level.READ
        count = add_collaborators(
            actor=actor, view=view, ids=ids, users=users, level=level, permission=permission, progress=report
        )
        message = ngettext(
            "Shared %(count)d record with %(people)s.", "Shared %(count)d records with %(people)s.", count
        ) % {"count": count, "people": "、".join(u.get_full_name() for u in users)}
    elif bulk.key == built_in.DELETE.key and bulk.run is None:
        from opensales.recyclebin.services import soft_delete_many

        try:
            soft_delete_many(actor=actor, model=view.model, ids=ids)
        except Http404:  # a row left the delete scope meanwhile
            raise rejected() from None
        count = len(ids)
        report(count)
        message = ngettext(
            "Moved %(count)d record to the recycle bin.", "Moved %(count)d records to the recycle bin.", count
        ) % {"count": count}
    elif bulk.run is not None:
        queryset = view.model.objects.visible_to(actor, permission).filter(pk__in=ids)
        count = int(bulk.run(actor, queryset, params) or 0)
        audit(
            action=f"bulk.{bulk.key}",
            actor=actor,
            object_type=view.label(),
            changes={"ids": list(ids), "params": params, "count": count},
        )
        report(len(ids))
        message = ngettext(
            "%(action)s: %(count)d record changed.", "%(action)s: %(count)d records changed.", count
        ) % {"action": bulk.label, "count": count}
    else:  # pragma: no cover - find_action only returns runnable actions
        raise BulkError(_("Choose an action."))
    return BulkResult(action=bulk.key, count=count, ids=list(ids), message=message)


def _recheck(view: Any, actor: Any, permission: str, ids: list[int]) -> None:
    """Inside the writing transaction: the rows are still in scope (they may have moved meanwhile)."""
    visible = sum(
        view.model.objects.visible_to(actor, permission).filter(pk__in=part).count()
        for part in chunks(ids, 5000)
    )
    if visible != len(ids):
        raise rejected()


def _owner(view: Any, actor: Any, params: dict[str, Any]) -> Any:
    owner = built_in.assignable_users(actor).filter(pk=params.get("owner")).first()
    if owner is None:
        raise BulkError(_("Check the action's settings."), {"owner": [_("Select a valid choice.")]})
    return owner


def _users(view: Any, actor: Any, params: dict[str, Any]) -> list[Any]:
    wanted = {int(pk) for pk in params.get("users") or []}
    users = list(built_in.assignable_users(actor).filter(pk__in=wanted))
    if not wanted or len(users) != len(wanted):
        raise BulkError(_("Check the action's settings."), {"users": [_("Select a valid choice.")]})
    return users


def change_owner(
    *, actor: Any, view: Any, ids: list[int], owner: Any, permission: str, progress: Progress
) -> int:
    """Give the records `ids` to `owner`, chunk by chunk, in the caller's transaction.

    One UPDATE per chunk through the actor's scope (a row that left the scope meanwhile rejects the
    batch), bumping `version` so an edit form opened before fails its version check; then, because
    QuerySet.update() bypasses the model's signals: one history row per record (simple-history's
    bulk_history_create, user = actor) and a fresh search entry per record (the owner may be part of
    its search text). One audit event for the whole batch with the ids and the previous owners.
    """
    model = view.model
    name = built_in.owner_field(view)
    if name is None:
        raise BulkError(_("Choose an action."))
    column = f"{name}_id"
    reason = "bulk change of owner: rows checked against the actor's scope"
    from opensales.search.index import index_objects
    from opensales.search.registry import get_search_type

    search_type = get_search_type(model)
    previous: dict[str, int | None] = {}
    now = timezone.now()
    done = 0
    for part in chunks(ids):
        scoped = model.objects.visible_to(actor, permission).filter(pk__in=part)
        previous.update({str(pk): old for pk, old in scoped.values_list("pk", column)})
        changed = scoped.update(**{column: owner.pk, "version": F("version") + 1, "updated_at": now})
        if changed != len(part):
            raise rejected()
        fresh = model.objects.unscoped(reason=reason).filter(pk__in=part).order_by("pk")
        if search_type is not None and search_type.select_related:
            fresh = fresh.select_related(*search_type.select_related)
        records = list(fresh)
        history = getattr(model, "history", None)
        if history is not None:
            history.bulk_history_create(
                records, update=True, default_user=actor, default_change_reason="bulk: change owner"
            )
        if search_type is not None:
            index_objects(records)
        done += len(part)
        progress(done)
    audit(
        action="bulk.change_owner",
        actor=actor,
        object_type=model._meta.label_lower,
        object_repr=str(owner)[:200],
        changes={"ids": list(ids), "owner": {"old": previous, "new": owner.pk}},
    )
    from opensales.notifications.kinds import Kind
    from opensales.notifications.services import notify

    notify(
        recipients=[owner],
        kind=Kind.ASSIGNMENT,
        actor=actor,
        title=format_lazy(
            ngettext_lazy(
                "{actor} made you the owner of {count} record: {model}",
                "{actor} made you the owner of {count} records: {model}",
                len(ids),
            ),
            actor=actor.get_full_name(),
            count=len(ids),
            model=model._meta.verbose_name_plural,
        ),
        url=_list_url(view),
    )
    return len(ids)


def add_collaborators(
    *,
    actor: Any,
    view: Any,
    ids: list[int],
    users: list[Any],
    level: str,
    permission: str,
    progress: Progress,
) -> int:
    """Share the records with `users` at `level` (read or edit; an existing share takes the new level)."""
    if level not in Collaborator.Level.values:
        raise BulkError(_("Check the action's settings."), {"level": [_("Select a valid choice.")]})
    content_type = ContentType.objects.get_for_model(view.model)
    done = 0
    for part in chunks(ids):
        if view.model.objects.visible_to(actor, permission).filter(pk__in=part).count() != len(part):
            raise rejected()
        Collaborator.objects.bulk_create(
            [
                Collaborator(content_type=content_type, object_id=pk, user=u, level=level)
                for pk in part
                for u in users
            ],
            update_conflicts=True,
            unique_fields=["content_type", "object_id", "user"],
            update_fields=["level"],
            batch_size=1000,
        )
        shares_changed()  # bulk_create sends no signal
        done += len(part)
        progress(done)
    audit(
        action="bulk.add_collaborators",
        actor=actor,
        object_type=view.model._meta.label_lower,
        object_repr=", ".join(str(u) for u in users)[:200],
        changes={"ids": list(ids), "users": [u.pk for u in users], "level": level},
    )
    return len(ids)


def _list_url(view: Any) -> str:
    try:
        return view.list_url()
    except Exception:  # a model view without pages (tests); the notification simply has no link
        return ""


# --- Background jobs -----------------------------------------------------------------------------


def action_label(job: Job) -> Any:
    """What the job did, for people: the bulk action's label, or "Export (XLSX)"."""
    if job.kind == Job.Kind.EXPORT:
        return format_lazy(gettext_lazy("Export ({format})"), format=job.action.upper())
    from opensales.workspace.registry import get_view

    try:
        bulk = built_in.find_action(get_view(job.list_key), job.action)
    except LookupError:
        bulk = None
    return bulk.label if bulk is not None else job.action


def job_title(job: Job) -> Any:
    """The notification's title, translated for its reader (lazy)."""
    if job.state == Job.State.FAILED:
        return format_lazy(gettext_lazy("{action} failed"), action=action_label(job))
    if job.kind == Job.Kind.EXPORT:
        return format_lazy(gettext_lazy("Your export is ready: {name}"), name=job.file_name)
    count = int((job.result or {}).get("count", job.done))
    return format_lazy(
        ngettext_lazy("{action} finished: {count} record", "{action} finished: {count} records", count),
        action=action_label(job),
        count=count,
    )


def _finish(job: Job, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=[*fields])


def notify_job(job: Job) -> None:
    """Tell the job's user that it ended (no e-mail by default: kind "bulk_job")."""
    from django.urls import reverse

    from opensales.notifications.services import notify

    notify(
        recipients=[job.user],
        kind=JOB_DONE_KIND,
        title=job_title(job),
        url=reverse("bulk:job", args=[job.pk]),
    )


def execute_bulk_job(job: Job) -> None:
    """The worker's side of a bulk job: check again, write everything in one transaction, report."""
    from opensales.workspace.registry import get_view

    from .progress import clear_progress, report_progress

    actor = job.user
    try:
        if not actor.is_active:
            raise BulkError(_("Your account is no longer active."))
        try:
            view = get_view(job.list_key)
        except LookupError:
            raise BulkError(_("This list no longer exists.")) from None
        bulk = _action(view, job.action)
        permission = built_in.required_action(view, bulk)
        if not has_action(actor, view.model, permission):
            raise BulkError(_("You no longer have the permission for this action."))
        stored = job.params or {}
        params = validate_params(view, bulk, actor, stored.get("params") or {})
        with transaction.atomic():
            ids = resolve_ids(
                actor=actor,
                view=view,
                permission=permission,
                ids=stored.get("ids"),
                query=stored.get("query", "") if "ids" not in stored else None,
            )
            if not ids:
                raise BulkError(_("No rows match the filter. Nothing was changed."))
            if job.total != len(ids):
                job.total = len(ids)
                job.save(update_fields=["total"])
            result = perform(
                actor=actor,
                view=view,
                bulk=bulk,
                ids=ids,
                params=params,
                progress=lambda done: report_progress(job.pk, done),
            )
            _finish(
                job,
                state=Job.State.SUCCEEDED,
                done=result.count,
                result={"count": result.count, "message": result.message},
            )
            notify_job(job)
    except BulkError as exc:
        _fail(job, exc.message)
    except PermissionDenied:
        _fail(job, _("You no longer have the permission for this action."))
    except Exception:
        logger.exception("bulk job %s failed", job.pk)
        _fail(job, _("Something went wrong on our side. Nothing was changed; please try again."))
    finally:
        clear_progress(job.pk)


def _fail(job: Job, message: str) -> None:
    job.refresh_from_db(fields=["total"])
    with transaction.atomic():
        _finish(job, state=Job.State.FAILED, error=message, done=0)
        notify_job(job)
