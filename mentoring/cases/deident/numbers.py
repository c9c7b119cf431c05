"""Numbers that identify a person (phone, CMND/CCCD, BHYT card, record
number, date of birth) and e-mail addresses.

A number is a run of digit groups joined by short separators on one line
("0912 - 345 - 678", "(+84) 912 345 678", "001203/004567"). Each window of
consecutive groups (at most 13 digits, so a bounded number per group) is
judged by its digits, its grouping and the words before the run: a keyword
(SĐT, CCCD, BHYT...) makes a number identifying, a lab or money context
("bạch cầu 123456789 /L", "150.000.000 đồng") makes it a quantity."""
from dataclasses import dataclass

from mentoring.cases.deident.scan import (DIGITS, OTHER, SPACE, WORD, Hit, Scan, ends_with, folded_word,
                                          last_words, phrases)

_JOIN = frozenset(" \t.-/_()")
_MAX_JOIN = 4          # characters between two groups of one number
_MAX_DIGITS = 13       # the longest number judged (a BHYT card without its letters)
_DECIMAL = (".", ",")

PHONE_KEYS = phrases("sđt", "sdt", "đt", "dt", "đtdđ", "điện thoại", "số điện thoại", "số máy", "phone",
                     "tel", "mobile", "zalo", "gọi", "liên hệ", "lh", "hotline", "di động", "dđ")
ID_KEYS = phrases("cmnd", "cccd", "cmt", "căn cước", "căn cước công dân", "chứng minh", "chứng minh nhân dân",
                  "chứng minh thư", "định danh", "số định danh", "mã định danh", "hộ chiếu", "passport", "id")
INSURANCE_KEYS = phrases("bhyt", "bhxh", "thẻ bhyt", "bảo hiểm", "bảo hiểm y tế", "bảo hiểm xã hội",
                         "mã thẻ", "số thẻ", "mã số bhxh", "thẻ")
RECORD_KEYS = phrases("mã bn", "mã bệnh nhân", "mã người bệnh", "mã số bệnh nhân", "mã số bn",
                      "mã số người bệnh", "số hồ sơ", "mã hồ sơ", "số bệnh án", "mã bệnh án", "mã y tế",
                      "mã lưu trữ", "số lưu trữ", "số vào viện", "mã vào viện", "pid", "id bệnh nhân",
                      "mã khám bệnh", "số khám bệnh")
_RECORD_ENDS = last_words(RECORD_KEYS)
# Not "sinh" alone: "dự sinh 22/11/2026" is a due date.
DOB_KEYS = phrases("sinh ngày", "ngày sinh", "ns", "dob", "sn", "ngày tháng năm sinh", "sinh nhật",
                   "sinh vào ngày")
LAB_KEYS = phrases("bạch cầu", "hồng cầu", "tiểu cầu", "bc", "hc", "tc", "wbc", "rbc", "plt", "neu", "lym",
                   "cd4", "tải lượng", "tải lượng virus", "dna", "rna", "số lượng", "sl", "đếm", "mật độ",
                   "chi phí", "giá", "tiền", "lương", "thu nhập", "dân số")
# Words right after a number that make it a quantity, not an identifier.
UNIT_WORDS = frozenset({"mg", "g", "kg", "mcg", "ug", "ng", "pg", "mmol", "mol", "umol", "l", "ml", "dl",
                        "iu", "ui", "u", "meq", "dong", "d", "vnd", "usd", "te", "tb", "copies",
                        "cp", "copy", "ban", "x", "lan", "hat", "k", "m", "mm", "cm", "giay", "phut", "gio",
                        "nguoi", "ca", "trieu", "ty", "nghin", "ngan", "cell", "cells"})
UNIT_MARKS = frozenset("/%×*^")
EMAIL_PROVIDERS = frozenset({"gmail", "yahoo", "hotmail", "outlook", "icloud", "live", "ymail", "proton",
                             "protonmail", "gmx", "mail", "fpt", "vnn", "viettel"})
HARD_ID_SHAPES = {(9,), (3, 3, 3), (12,), (4, 4, 4), (3, 3, 3, 3), (6, 6), (5, 3, 4)}


@dataclass
class Run:
    groups: list[int]      # token indices of the digit groups
    joins: list[str]       # the text between group i and group i + 1
    lead: int = -1         # the token of a "+" (or of the "(" of "(+84)") just before the run

    @property
    def plus(self) -> bool:
        return self.lead >= 0


def digit_runs(scan: Scan) -> list[Run]:
    runs, kinds, k = [], scan.kinds, 0
    while k < scan.n:
        scan.steps.n += 1
        if kinds[k] != DIGITS:
            k += 1
            continue
        run = Run([k], [], _plus_before(scan, k))
        while True:
            nxt, joined = _next_group(scan, run.groups[-1] + 1)
            if nxt is None:
                break
            run.groups.append(nxt)
            run.joins.append(joined)
        runs.append(run)
        k = run.groups[-1] + 1
    return runs


def _plus_before(scan: Scan, k: int) -> int:
    texts = scan.texts
    for i in range(k - 1, max(-1, k - 4), -1):
        scan.steps.n += 1
        if texts[i] == "+":
            return i - 1 if i > 0 and texts[i - 1] == "(" else i
        if not (scan.kinds[i] == SPACE or texts[i] == "("):
            return -1
    return -1


def _next_group(scan: Scan, k: int) -> tuple[int | None, str]:
    kinds, texts = scan.kinds, scan.texts
    joined, i = "", k
    while len(joined) <= _MAX_JOIN:
        scan.steps.n += 1
        kind = kinds[i]
        if kind == DIGITS:
            return (i, joined) if joined else (None, "")
        if kind == SPACE or (kind == OTHER and texts[i] in _JOIN):
            joined += texts[i]
            i += 1
            continue
        break
    return None, ""


# --- phone, ID, insurance by their digits -----------------------------------

def _phone(groups: list[str], plus: bool, keyed: bool) -> bool:
    digits = "".join(groups)
    sizes = [len(g) for g in groups]
    if digits.startswith("84") and (plus or groups[0].startswith("84")) and len(digits) >= 11:
        rest, small = digits[2:], sizes
        if groups[0] == "84" and len(groups) > 2 and groups[1] == "0":   # +84 (0) 912 ...
            rest, small = rest[1:], sizes[:1] + sizes[2:]
        if (len(rest) == 9 and rest[0] in "35789") or (len(rest) == 10 and rest[0] == "2"):
            return keyed or min(small) >= 2
    if digits[0] == "0" and ((len(digits) == 10 and digits[1] != "0") or
                             (len(digits) == 11 and digits[1] in "12")):
        return keyed or min(sizes) >= 2
    return keyed and len(digits) == 9 and digits[0] in "35789"


def _id_number(groups: list[str], joins: list[str], keyed: bool) -> bool:
    digits = "".join(groups)
    if len(digits) not in (9, 12):
        return False
    if keyed:
        return True
    sizes = tuple(len(g) for g in groups)
    if any(j.strip() in _DECIMAL for j in joins):
        return False  # 150.000.000: a thousands separator, not an ID
    separators = {j.strip() for j in joins}
    if len(separators) > 1 or any(c in "()" for sep in separators for c in sep):
        # An ID written in groups keeps one separator ("123 456 789",
        # "001203/004567"); "170/100 (542 lần)" is a reading and an aside.
        return False
    return sizes in HARD_ID_SHAPES or (len(digits) == 12 and digits[0] == "0" and min(sizes) >= 3)


def _quantity_after(scan: Scan, end: int) -> bool:
    i = scan.skip(end, most=2)
    if scan.kinds[i] == OTHER and scan.texts[i] in UNIT_MARKS:
        return True
    return scan.kinds[i] == WORD and scan.folded(i) in UNIT_WORDS


@dataclass
class _Context:
    phone: bool = False
    id: bool = False
    insurance: bool = False
    lab: bool = False

    @property
    def keyed(self) -> bool:
        return self.phone or self.id or self.insurance


def numbers(scan: Scan, runs: list[Run], whole: bool = False) -> list[Hit]:
    """Phone, ID and insurance numbers among the runs. whole=True judges each
    run only as a whole (file names: IMG_20261102_123456789 is a time)."""
    hits = []
    for run in runs:
        texts = [scan.texts[g] for g in run.groups]
        if not whole and _after_decimal_mark(scan, run.groups[0]):
            continue
        before = scan.words_before(run.groups[0], 5)   # keywords sit before the run, never inside
        context = _Context(ends_with(before, *PHONE_KEYS), ends_with(before, *ID_KEYS),
                           ends_with(before, *INSURANCE_KEYS), ends_with(before, *LAB_KEYS))
        i = 0
        while i < len(texts):
            scan.steps.n += 1
            found = None
            if i == 0 or run.joins[i - 1] not in _DECIMAL:   # decimals never start an identifier
                found = _best_window(scan, run, texts, i, whole, context if i == 0 else _Context(lab=context.lab))
            if found is not None:
                hits.append(found[0])
                i = found[1] + 1
            else:
                i += 1
            if whole:
                break
    return hits


def _after_decimal_mark(scan: Scan, k: int) -> bool:
    return k >= 2 and scan.texts[k - 1] in _DECIMAL and scan.kinds[k - 2] == DIGITS


def _best_window(scan: Scan, run: Run, texts: list[str], i: int, whole: bool,
                 context: _Context) -> tuple[Hit, int] | None:
    """The longest identifying window starting at group i, and its last group."""
    if len(texts[i]) < 2 and not context.keyed:
        return None   # every unkeyed identifier starts with a group of two digits or more
    best, size = None, 0
    plus = run.plus and i == 0
    for j in range(i, len(texts)):
        scan.steps.n += 1
        size += len(texts[j])
        if size > _MAX_DIGITS:
            break
        if len(texts[j]) < 2 and not context.keyed and not (j == i + 1 and texts[j] == "0" and plus):
            break     # a single digit inside: a list of values, not a number (but "+84 (0) 912")
        if whole and j != len(texts) - 1:
            continue
        if j < len(texts) - 1 and run.joins[j] in _DECIMAL:
            continue  # the window would end before a decimal point
        groups = texts[i:j + 1]
        kind = None
        if context.insurance and size in (10, 13, 15):
            kind = "insurance"
        elif _phone(groups, plus, context.phone):
            kind = "phone"
        elif _id_number(groups, run.joins[i:j], context.id):
            if context.id or not (context.lab or _quantity_after(scan, run.groups[j] + 1)):
                kind = "id_number"
        if kind:
            first = run.lead if plus and kind == "phone" else run.groups[i]
            best = (Hit(kind, first, run.groups[j] + 1), j)
    return best


# --- BHYT card: two letters then 13 digits, even glued to a word ------------

def insurance_cards(scan: Scan, runs: list[Run]) -> list[Hit]:
    hits = []
    kinds, texts = scan.kinds, scan.texts
    for run in runs:
        scan.steps.n += 1
        k, gap = run.groups[0] - 1, 0
        while gap < 3 and k >= 0 and ((kinds[k] == SPACE and len(texts[k]) <= 2) or
                                      (kinds[k] == OTHER and texts[k] in ":-.")):
            k, gap = k - 1, gap + 1
        if k < 0 or kinds[k] != WORD or len(texts[k]) < 2:
            continue
        letters = texts[k][-2:]
        if not (letters.isascii() and letters.isalpha()):
            continue
        if len(texts[k]) > 2 and not letters.isupper():
            continue  # "thẻDN4010..." yes, "số13..." no
        size = 0
        for g in run.groups:
            scan.steps.n += 1
            size += len(texts[g])
            if size >= 13:
                if size == 13:
                    hits.append(Hit("insurance", k, g + 1))
                break
    return hits


# --- record numbers and dates of birth ----------------------------------------

def record_numbers(scan: Scan) -> list[Hit]:
    hits = []
    kinds, texts = scan.kinds, scan.texts
    for k in range(scan.n):
        scan.steps.n += 1
        if kinds[k] != WORD or folded_word(texts[k]) not in _RECORD_ENDS or \
                not scan.ends_with(k + 1, *RECORD_KEYS):
            continue
        first = scan.skip(k + 1, punct=":-#.", most=3)
        end, has_digit = first, False
        while end - first < 8 and (kinds[end] in (DIGITS, WORD) or texts[end] in ("-", "/", ".", "_")):
            scan.steps.n += 1
            has_digit = has_digit or kinds[end] == DIGITS
            end += 1
        if has_digit:
            while texts[end - 1] in ("-", "/", ".", "_"):
                end -= 1
            hits.append(Hit("record_number", first, end))
    return hits


def birth_dates(scan: Scan, runs: list[Run]) -> list[Hit]:
    hits = []
    for run in runs:
        scan.steps.n += 1
        first = run.groups[0]
        if not scan.ends_with(first, *DOB_KEYS):
            continue
        end = _numeric_date(scan, run) or _worded_date(scan, first)
        if end:
            hits.append(Hit("birth_date", first, end))
    return hits


def _numeric_date(scan: Scan, run: Run) -> int | None:
    if len(run.groups) < 3 or any(j.strip() not in ("/", "-", ".") for j in run.joins[:2]):
        return None
    day, month, year = (scan.texts[g] for g in run.groups[:3])
    return run.groups[2] + 1 if _plausible(day, month, year) else None


def _worded_date(scan: Scan, k: int) -> int | None:
    """12 tháng 3 năm 1980"""
    parts, i = [scan.texts[k]], k + 1
    for word in ("thang", "nam"):
        i = scan.skip(i, most=2)
        if scan.kinds[i] != WORD or scan.folded(i) != word:
            return None
        i = scan.skip(i + 1, most=2)
        if scan.kinds[i] != DIGITS:
            return None
        parts.append(scan.texts[i])
        i += 1
    return i if _plausible(*parts) else None


def _plausible(day: str, month: str, year: str) -> bool:
    if not (len(day) <= 2 and len(month) <= 2 and len(year) in (2, 4)):
        return False
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12 and (len(year) == 2 or 1900 <= int(year) <= 2100)


# --- e-mail -----------------------------------------------------------------

def emails(scan: Scan) -> list[Hit]:
    hits = []
    kinds, texts = scan.kinds, scan.texts
    for k in range(scan.n):
        scan.steps.n += 1
        if texts[k] != "@" or kinds[k] != OTHER:
            continue
        local = k - 1
        if kinds[local] == SPACE and len(texts[local]) <= 2:
            local -= 1
        if local < 0 or kinds[local] not in (WORD, DIGITS):
            continue
        first = local
        while first > 0 and k - first < 20 and (kinds[first - 1] in (WORD, DIGITS) or
                                               texts[first - 1] in (".", "_", "+", "-")):
            scan.steps.n += 1
            first -= 1
        while texts[first] in (".", "_", "+", "-"):
            first += 1
        end = _domain_end(scan, k + 1)
        if end is not None:
            hits.append(Hit("email", first, end))
    return hits


def _domain_end(scan: Scan, k: int) -> int | None:
    kinds, texts = scan.kinds, scan.texts
    i = k + 1 if kinds[k] == SPACE and len(texts[k]) <= 2 else k
    if kinds[i] not in (WORD, DIGITS):
        return None
    first_label = scan.folded(i)
    labels, last_word, end = 1, texts[i], i + 1
    while labels < 10 and texts[end] in (".", "-") and kinds[end + 1] in (WORD, DIGITS):
        scan.steps.n += 1
        if texts[end] == ".":
            labels += 1
        last_word = texts[end + 1] if kinds[end + 1] == WORD else ""
        end += 2
    if (labels >= 2 and len(last_word) >= 2 and last_word.isascii()) or first_label in EMAIL_PROVIDERS:
        return end
    return None
