"""The import's background work (django.tasks, run by the worker; immediately in the tests)."""

from __future__ import annotations

from django.tasks import task


@task()
def run_import(job_id: int, check_only: bool = False) -> str:
    """Check (the preview: validate only) or run an import job. Returns the job's state."""
    from .services import execute

    return execute(job_id, check_only)
