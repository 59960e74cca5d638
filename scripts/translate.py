"""Apply translations from a JSON mapping {msgid: msgstr} to an app's zh_Hans catalogue.

Usage: translate.py APP MAPPING.json — fills only the given entries, leaves the others as they are.
"""

import json
import sys

import polib

app, mapping_path = sys.argv[1], sys.argv[2]
mapping = json.loads(open(mapping_path, encoding="utf-8").read())
path = f"opensales/{app}/locale/zh_Hans/LC_MESSAGES/django.po"
catalogue = polib.pofile(path)
for entry in catalogue:
    if entry.msgid in mapping:
        value = mapping[entry.msgid]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
catalogue.save()
missing = [e.msgid for e in catalogue if not (e.msgstr or any(e.msgstr_plural.values()))]
print(f"{app}: {len(missing)} untranslated", missing[:20])
