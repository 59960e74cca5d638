#!/usr/bin/env bash
# `make run`: the web server and the worker together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-opensales.settings.dev}"
.venv/bin/python manage.py run_huey --quiet &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
cat <<MSG

  OpenSales is running at http://127.0.0.1:${port}
  Demo logins (password: opensales-demo):
    admin          administrator          director      sales director
    manager_east   manager, 华东大区       rep_sh1/rep_sh2  reps, 上海团队
    rep_gz1        rep, 广州团队           finance / auditor
  Press Ctrl-C to stop the server and the worker.

MSG
.venv/bin/python manage.py runserver "127.0.0.1:${port}"
