"""Part 3 of the benchmark suite: a rep's day (bench/run.py runs it headless; bench/README.md).

Each simulated user is one of the reps picked by bench/probe.py (BENCH_PICK, a JSON file): signs in once
with the demo password (sessions are reused; no repeated sign-ins, so the login lockout never comes into
it), then repeatedly searches, opens one of his customers, logs a follow-up on it and moves one of his
open deals to another open stage. Writes go through the API with the rep's token, reads through the
pages, as the phone UI does.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

PICK = json.loads(Path(os.environ["BENCH_PICK"]).read_text())
REPS = itertools.cycle(PICK["day_reps"])
TERMS = list(PICK["terms"].values())


class Rep(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.rep = next(REPS)
        self.api = {"Authorization": f"Bearer {self.rep['token']}"}
        page = self.client.get("/accounts/login/", name="sign in: form (once)")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": self.rep["username"],
                "password": "opensales-demo",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="sign in (once)",
        )

    @task(3)
    def search(self) -> None:
        self.client.get(f"/search/?q={random.choice(TERMS)}", name="search")

    @task(3)
    def open_customer(self) -> None:
        self.client.get(f"/customers/{random.choice(self.rep['customers'])}/", name="open customer")

    @task(2)
    def log_follow_up(self) -> None:
        customer = random.choice(self.rep["customers"])
        with self.client.post(
            "/api/v1/follow-ups",
            json={
                "customer": customer,
                "subject": "电话回访（基准测试）",
                "kind": "call",
                "status": "done",
                "at": datetime.datetime.now(datetime.UTC).isoformat(),
            },
            headers=self.api,
            name="log follow-up",
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 201):
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    @task(1)
    def move_deal(self) -> None:
        opportunity, stages = random.choice(self.rep["opportunities"])
        current = self.client.get(
            f"/api/v1/opportunities/{opportunity}", headers=self.api, name="move deal: read"
        )
        if current.status_code != 200:
            return
        data = current.json()
        choices = [s for s in stages if s != data.get("stage")] or stages
        with self.client.post(
            f"/api/v1/opportunities/{opportunity}/move",
            json={"stage": random.choice(choices), "version": data["version"]},
            headers=self.api,
            name="move deal",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()  # another simulated user of the same rep moved it first
            elif response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
