"""Fill an English catalogue's empty msgstr with the msgid (the source strings are English)."""

import sys
from pathlib import Path

import polib

path = Path(sys.argv[1])
if path.exists():
    catalogue = polib.pofile(str(path))
    for entry in catalogue:
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()) or "fuzzy" in entry.flags:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        elif not entry.msgstr or "fuzzy" in entry.flags:
            # English is the source language: a fuzzy match from makemessages is just the old text.
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.save()
