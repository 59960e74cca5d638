"""Huey behind django.tasks: immediate in tests, queued and consumed for real, periodic jobs, upkeep."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta

import pytest
from django.tasks import TaskResultStatus, default_task_backend, task_backends
from django.utils import timezone
from huey.consumer import Scheduler
from huey.contrib.djhuey import HUEY

from opensales.ops import tasks, worker
from opensales.ops.models import Backup, WorkerHeartbeat

from . import sample_tasks


def test_the_default_backend_is_hueys():
    backend = task_backends["default"]
    assert f"{type(backend).__module__}.{type(backend).__name__}" == (
        "huey.contrib.djhuey.tasks_backend.HueyBackend"
    )
    assert (backend.supports_get_result, backend.supports_defer) == (True, True)


def test_immediate_mode_runs_at_enqueue_and_keeps_the_result():
    result = sample_tasks.add.enqueue(2, 3)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    again = sample_tasks.add.get_result(result.id)
    assert (again.status, again.return_value, again.args) == (TaskResultStatus.SUCCESSFUL, 5, [2, 3])


def test_immediate_mode_records_a_failure_without_raising():
    result = sample_tasks.fail.enqueue()  # as with Django's ImmediateBackend: the caller is not hit
    assert result.status == TaskResultStatus.FAILED
    assert [e.exception_class for e in result.errors] == [ValueError]


def _wait_until(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_queued_task_waits_until_a_consumer_runs_it(queue, keep_signal_handlers):
    added = sample_tasks.add.enqueue(20, 22)
    beat = sample_tasks.beat.enqueue("queued-test")
    assert added.status == TaskResultStatus.READY
    assert queue.pending_count() == 2
    assert default_task_backend.get_result(added.id).status == TaskResultStatus.READY
    assert not WorkerHeartbeat.objects.filter(name="queued-test").exists()

    consumer = queue.create_consumer(
        workers=2, worker_type="thread", periodic=False, initial_delay=0.01, max_delay=0.05
    )
    consumer.start()
    try:
        _wait_until(lambda: default_task_backend.get_result(beat.id).is_finished)
        _wait_until(lambda: default_task_backend.get_result(added.id).is_finished)
    finally:
        consumer.stop(graceful=True)

    added.refresh()
    beat.refresh()
    assert (added.status, added.return_value) == (TaskResultStatus.SUCCESSFUL, 42)
    assert (beat.status, beat.return_value) == (TaskResultStatus.SUCCESSFUL, "queued-test")
    assert len(added.worker_ids) == 1
    assert queue.pending_count() == 0
    # The worker thread wrote through its own connection; this (web) side reads it.
    row = WorkerHeartbeat.objects.get(name="queued-test")
    assert row.pid == os.getpid()
    assert row.beat_at > timezone.now() - timedelta(minutes=1)


def test_priority_orders_the_queue(queue):
    low = sample_tasks.add.using(priority=-10).enqueue(1, 1)
    normal = sample_tasks.add.enqueue(2, 2)
    high = sample_tasks.add.using(priority=10).enqueue(3, 3)
    assert [queue.dequeue().id for _ in range(3)] == [high.id, normal.id, low.id]


@pytest.mark.django_db(transaction=True)
def test_a_failed_queued_task_reports_its_error(queue):
    result = sample_tasks.fail.enqueue()
    queue.execute(queue.dequeue())  # one worker step, in this thread
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert [e.exception_class for e in result.errors] == [ValueError]
    assert "boom" in result.errors[0].traceback


def test_schedules_in_local_time():
    # Huey's scheduler passes naive UTC times; TIME_ZONE is Asia/Shanghai (UTC+8).
    def due(hour, minute):
        due = HUEY.read_periodic(datetime(2026, 1, 1, hour, minute))
        return sorted(t.name for t in due if t.name.startswith("ops."))

    assert due(18, 30) == ["ops.heartbeat", "ops.nightly_backup"]  # 02:30 in Shanghai
    assert due(19, 15) == ["ops.heartbeat", "ops.prune_task_results"]  # 03:15 in Shanghai
    assert due(2, 30) == ["ops.heartbeat"]  # 02:30 UTC is 10:30 in Shanghai
    assert worker.local_crontab("UTC", minute=30, hour=2)(datetime(2026, 1, 1, 2, 30)) is True


@pytest.mark.django_db(transaction=True)
def test_scheduler_enqueues_periodic_jobs_and_a_worker_runs_them(queue, backup_dir):
    scheduler = Scheduler(queue, threading.Event(), interval=1, periodic=True)
    scheduler.enqueue_periodic_tasks(datetime(2026, 1, 1, 18, 30))  # 02:30 in Shanghai
    # Other apps' jobs (reminders every few minutes…) may be due too; these are the platform's.
    ops_jobs = sorted(t.name for t in queue.pending() if t.name.startswith("ops."))
    assert ops_jobs == ["ops.heartbeat", "ops.nightly_backup"]
    assert WorkerHeartbeat.objects.count() == 0 and Backup.objects.count() == 0

    while (task := queue.dequeue()) is not None:
        queue.execute(task)

    beat = WorkerHeartbeat.objects.get()
    assert (beat.name, beat.pid) == ("worker", os.getpid())
    made = Backup.objects.get()
    assert made.verified_ok is True
    assert sorted(p.name for p in backup_dir.iterdir() if not p.name.startswith(".")) == sorted(
        [made.file, made.file.split(".", 1)[0] + ".json"]
    )


@pytest.mark.django_db(transaction=True)
def test_heartbeat_task_records_the_beat():
    before = timezone.now()
    tasks.heartbeat()  # immediate mode: runs now
    beat = WorkerHeartbeat.objects.get(name="worker")
    assert before <= beat.beat_at <= timezone.now()
    tasks.heartbeat()
    assert WorkerHeartbeat.objects.count() == 1


def test_prune_task_results_forgets_old_finished_tasks(queue):
    old = sample_tasks.add.enqueue(1, 1)
    new = sample_tasks.add.enqueue(2, 2)
    waiting = sample_tasks.add.enqueue(3, 3)
    queue.execute(queue.dequeue())
    queue.execute(queue.dequeue())
    record = queue.get(f"djt.{old.id}", peek=True)
    record["finished_at"] = (timezone.now() - timedelta(days=8)).isoformat()
    queue.put_result(f"djt.{old.id}", record)

    assert worker.prune_task_results(huey=queue) == 1
    assert sorted(k for k in queue.all_results() if k.startswith("djt.")) == sorted(
        [f"djt.{new.id}", f"djt.{waiting.id}"]
    )
