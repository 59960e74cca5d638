"""Settings of the benchmark server (bench/run.py): production's, with what loopback HTTP needs.

Differences from opensales.settings.production, each needed to measure on 127.0.0.1 without TLS:
- no HTTPS redirect, HSTS or secure-only cookies (plain HTTP on loopback);
- the keys come from var/bench/dev-keys.json (made once), so the demo data stays readable between runs;
- OPENSALES_DEMO on (`manage.py demo` loads the data set), role-enforced 2FA off (the demo logins have
  no authenticator);
- the API rate limit per user is raised: 600/min per user per worker would cap the throughput figures
  at 20 requests/s whatever the server can do. Everything else (DEBUG off, whitenoise with the manifest
  storage and collected static files, the middleware stack, password hashing) is production's.
"""

from opensales.settings.keys import development_keys
from opensales.settings.production import *  # noqa: F403
from opensales.settings.production import VAR_DIR

_keys = development_keys(VAR_DIR)
SECRET_KEY = _keys["secret_key"]
OPENSALES_FIELD_KEYS = [_keys["field_key"]]
OPENSALES_INDEX_KEY = _keys["index_key"]
OPENSALES_DEMO = True
OPENSALES_ENFORCE_ROLE_2FA = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
NINJA_DEFAULT_THROTTLE_RATES = {"auth": "1000000/min", "token_create": "1000/min", "bad_token": "30/min"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
