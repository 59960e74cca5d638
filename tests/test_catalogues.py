"""Both catalogues are complete: every translatable string in the code has a zh_Hans and an en entry.

Each app keeps its own catalogue (opensales/<app>/locale). The test extracts the strings afresh with
Django's makemessages into a scratch copy of the app and compares them with the committed files, so a
string added without a translation fails here, not in front of a user.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(p.parent.name for p in (ROOT / "opensales").glob("*/apps.py"))


def extract(app: str, scratch: Path) -> set[str]:
    src = ROOT / "opensales" / app
    dst = scratch / app
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("locale", "__pycache__", "tests"))
    (dst / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(dst)
    try:
        call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    po = dst / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if not po.exists():
        return set()
    return {(e.msgctxt or "") + "\x04" + e.msgid for e in polib.pofile(str(po)) if e.msgid}


def untranslated(app: str, language: str, wanted: set[str]) -> list[str]:
    path = ROOT / "opensales" / app / "locale" / language / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return sorted(w.split("\x04", 1)[1] for w in wanted)
    entries = {(e.msgctxt or "") + "\x04" + e.msgid: e for e in polib.pofile(str(path)) if not e.obsolete}
    missing = []
    for key in sorted(wanted):
        entry = entries.get(key)
        translated = (
            entry is not None
            and "fuzzy" not in entry.flags
            and (all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr.strip()))
        )
        if not translated:
            missing.append(key.split("\x04", 1)[1])
    return missing


@pytest.mark.parametrize("app", APPS)
def test_catalogues_are_complete(app, tmp_path):
    wanted = extract(app, tmp_path)
    problems = {lang: untranslated(app, lang, wanted) for lang in ("zh_Hans", "en")}
    assert problems == {"zh_Hans": [], "en": []}, f"run `bash scripts/messages.sh {app}` and translate"


def test_every_app_is_checked():
    assert {"core", "accounts", "org", "audit"} <= set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_english_is_the_source_text(app):
    """The msgids are English: the English catalogue repeats them. A fuzzy match makemessages carried
    over from a neighbouring string ("Older events" → "audit events") would otherwise reach users."""
    path = ROOT / "opensales" / app / "locale" / "en" / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return
    wrong = [
        e.msgid
        for e in polib.pofile(str(path))
        if e.msgid
        and not e.obsolete
        and (e.msgstr_plural != {0: e.msgid, 1: e.msgid_plural} if e.msgid_plural else e.msgstr != e.msgid)
    ]
    assert wrong == [], f"run `bash scripts/messages.sh {app}`"
