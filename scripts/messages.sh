#!/usr/bin/env bash
# Extract the translatable strings of each app into its own catalogue (opensales/<app>/locale), keeping
# existing translations. English msgstr is filled with the msgid so both catalogues are complete; the
# zh_Hans entries left empty are what a developer must translate (tests/test_catalogues.py lists them).
# Usage: scripts/messages.sh [app ...]   (default: every app under opensales/)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then
  for d in opensales/*/; do [ -f "$d/apps.py" ] && apps+=("$(basename "$d")"); done
fi
for app in "${apps[@]}"; do
  dir="opensales/$app"
  mkdir -p "$dir/locale"
  (cd "$dir" && DJANGO_SETTINGS_MODULE=opensales.settings.test "$root/.venv/bin/python" "$root/manage.py" \
      makemessages -l zh_Hans -l en --no-location --no-obsolete -v 0 2>/dev/null || true)
  "$root/.venv/bin/python" "$root/scripts/fill_english.py" "$dir/locale/en/LC_MESSAGES/django.po"
done
DJANGO_SETTINGS_MODULE=opensales.settings.test .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
