"""Hashing of audit events: each row's hash covers its content and the previous row's hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64

# What `json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)`
# uses, made once: json.dumps builds a new encoder on every call with these arguments (a bulk write
# hashes thousands of events). Same output, byte for byte.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical(event: Any) -> str:
    payload = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_roles": event.actor_roles,
        "ip_address": event.ip_address,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "outcome": event.outcome,
    }
    return _ENCODER.encode(payload)


def compute_hash(prev_hash: str, event: Any) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(event)}".encode()).hexdigest()
