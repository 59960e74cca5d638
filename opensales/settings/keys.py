"""Development keys: made once per checkout under var/, never used when the environment sets them.

Production must set SECRET_KEY, OPENSALES_FIELD_KEYS and OPENSALES_INDEX_KEY (`opensales check --deploy`
fails otherwise) so that no key ever lives in a file next to the database it protects.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path


def development_keys(var_dir: Path) -> dict[str, str]:
    path = var_dir / "dev-keys.json"
    if path.exists():
        return json.loads(path.read_text())
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "index_key": secrets.token_urlsafe(32),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys))
    tmp.chmod(0o600)
    tmp.replace(path)
    return keys
