"""Every string is translated: public pages into Russian and Kazakh, the rest into Russian."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))


def _entries(path: Path):
    """(references, flags, msgid, msgstrs) for each entry of a .po file (header skipped)."""
    for block in path.read_text().split("\n\n"):
        lines = block.strip().splitlines()
        references = " ".join(line for line in lines if line.startswith("#:"))
        flags = " ".join(line for line in lines if line.startswith("#,"))
        text = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = (
            "".join(re.findall(r'msgid "(.*)"(?:\n"(.*)")*', text)[0]) if "msgid" in text else ""
        )
        msgstrs = re.findall(r'msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', text)
        if msgid:
            yield (
                references,
                flags,
                msgid,
                ["".join([a, *re.findall(r'"(.*)"', b)]) for a, b in msgstrs],
            )


def test_catalogs_exist_for_both_apps_and_languages():
    found = {(p.parts[-5], p.parts[-3]) for p in CATALOGS}
    assert {
        ("coordination", "ru"),
        ("coordination", "kk"),
        ("shelter", "ru"),
        ("shelter", "kk"),
    } <= found
    for path in CATALOGS:
        assert path.with_suffix(".mo").exists(), f"{path} is not compiled"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parts[-5]}-{p.parts[-3]}")
def test_every_needed_string_is_translated(path):
    language = path.parts[-3]
    entries = list(_entries(path))
    assert len(entries) > 50  # the parser found the catalog's entries
    missing = []
    for references, flags, msgid, msgstrs in entries:
        public = "templates/coordination/public/" in references or "views/errors.py" in references
        needed = language == "ru" or public
        if needed and ("fuzzy" in flags or not all(msgstrs)):
            missing.append(msgid)
    assert not missing, f"untranslated in {path}: {missing[:10]}"
