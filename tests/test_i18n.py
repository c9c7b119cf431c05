"""Vietnamese first: every user-facing string is in the catalogue and
translated, placeholders intact; users get their own language."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.factories import gen_user, login

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _catalog(lang):
    with open(ROOT / f"mentoring/translations/{lang}/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f)


def test_catalogues_are_up_to_date_with_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for lang in ("vi", "en"):
        in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(in_code - in_catalogue)
        assert not missing, f"{lang}: run scripts/i18n.sh; not in the catalogue: {missing[:10]}"


def test_every_vietnamese_string_is_translated_with_its_placeholders():
    untranslated, broken = [], []
    for message in _catalog("vi"):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings):
            untranslated.append(ids[0])
        elif set(PLACEHOLDER.findall(ids[0])) != set(PLACEHOLDER.findall(strings[0])):
            broken.append(ids[0])
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not broken, f"placeholders differ: {broken[:10]}"


def test_vietnamese_by_default_english_on_request(client):
    assert 'lang="vi"' in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in english and "Log in" in english


def test_user_language_wins(client):
    login(client, gen_user(language="en"))
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "vi"}).get_data(as_text=True)
