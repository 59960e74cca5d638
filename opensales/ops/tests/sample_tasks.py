"""Tasks as application code writes them: Django's task API, run by Huey."""

from django.tasks import task

from opensales.ops.worker import record_heartbeat


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def beat(name: str) -> str:
    """Writes to the database from the worker, as real tasks do."""
    return record_heartbeat(name).name


@task
def fail() -> None:
    raise ValueError("boom")
