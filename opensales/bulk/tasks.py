"""Background work of bulk actions and exports (django.tasks, run by the Huey worker), and the daily
clean-up of old export files."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from huey.contrib.djhuey import db_periodic_task

from opensales.ops.worker import local_crontab

from .models import Job

logger = logging.getLogger(__name__)


@task()
def run_job(job_id: int) -> str:
    """Run a pending job once (a second delivery of the same task finds it started and does nothing)."""
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, state=Job.State.PENDING).update(
            state=Job.State.RUNNING, started_at=timezone.now()
        )
    if not claimed:
        return "skipped"
    job = Job.objects.select_related("user").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        if job.kind == Job.Kind.EXPORT:
            from .exports import execute_export_job

            execute_export_job(job)
        else:
            from .services import execute_bulk_job

            execute_bulk_job(job)
    return job.state


def purge_old_jobs(days: int | None = None) -> int:
    """Forget jobs (and delete their files) older than OPENSALES_EXPORT_KEEP_DAYS (default 7)."""
    keep = days if days is not None else int(getattr(settings, "OPENSALES_EXPORT_KEEP_DAYS", 7))
    cutoff = timezone.now() - datetime.timedelta(days=keep)
    old = Job.objects.filter(created_at__lt=cutoff).exclude(state__in=[Job.State.PENDING, Job.State.RUNNING])
    count = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count


@db_periodic_task(local_crontab(minute=45, hour=4), name="bulk.purge_old_jobs")
def purge_old_jobs_daily() -> None:
    """04:45 local time: exports are kept OPENSALES_EXPORT_KEEP_DAYS days."""
    logger.info("bulk: %s old jobs purged", purge_old_jobs())
