"""Keep patients unidentifiable in free text.

Hard refusals: a phone number, an ID number (CMND/CCCD), a BHYT card, a
patient record number, a date of birth, an e-mail address. Warnings: a
suspected personal name or house address, which the asker may override
once with a reason (cases.intake records it and keeps the case out of the
library until a mentor reviews it). Every identifier found is reported in
one message, each with the text that looks like it.

Texts are normalised first (NFKC: full-width digits and ＠; dashes; [at]),
their length is checked before any rule runs, and every rule walks one
token list with a bounded look-around (tokens.py), so the work is linear
in the length of the text.

`identifier_in(text)` is the contract other domains call (session slides,
chat, outside-course files): hard identifiers and names after a word that
points at the patient ("Bệnh nhân Nguyễn Văn Tám"), or None."""
import hashlib
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mentoring.cases.deident import names as name_rules
from mentoring.cases.deident import numbers as number_rules
from mentoring.cases.deident.scan import Scan
from mentoring.cases.deident.tokens import MAX_CHARS, Steps, fold, normalise, tokenize

HARD = frozenset({"phone", "id_number", "insurance", "record_number", "birth_date", "email", "too_long"})
SOFT = frozenset({"name", "address"})
MODES = ("case", "message", "file")

_LABELS = {"phone": _l("phone number"), "id_number": _l("ID number (CMND/CCCD)"),
           "insurance": _l("health-insurance (BHYT) card number"), "record_number": _l("patient record number"),
           "birth_date": _l("date of birth"), "email": _l("e-mail address"), "name": _l("personal name"),
           "address": _l("house address")}
_SNIPPET = 40


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def hard(self) -> bool:
        return self.kind in HARD


def findings(text: str | None, mode: str = "case", *, limit: int = MAX_CHARS,
             steps: Steps | None = None) -> list[Finding]:
    """Every identifier in `text`, in reading order. mode "case": all rules;
    "message" (chat, replies, other domains): hard identifiers and names
    after a word pointing at the patient; "file": a file's name."""
    if mode not in MODES:
        raise ValueError(mode)
    if not text:
        return []
    if len(text) > limit:
        return [Finding("too_long", "", 0, 0)]
    text = normalise(text)
    if len(text) > 2 * limit:   # NFKC can expand a few characters a lot
        return [Finding("too_long", "", 0, 0)]
    steps = steps if steps is not None else Steps()
    scan = Scan(tokenize(text, steps), steps)
    runs = number_rules.digit_runs(scan)
    hits = [*number_rules.numbers(scan, runs, whole=mode == "file"),
            *number_rules.insurance_cards(scan, runs), *number_rules.record_numbers(scan),
            *number_rules.birth_dates(scan, runs), *number_rules.emails(scan)]
    if mode == "file":
        hits += [*name_rules.file_name_names(scan), *name_rules.names(scan, kinship=False, full_names=True)]
    else:
        hits += name_rules.names(scan, kinship=mode == "case", full_names=mode == "case")
    if mode == "case":
        hits += name_rules.addresses(scan)
    out, reach = [], -1
    for hit in sorted(hits, key=lambda h: (scan.tokens[h.first].start, -(h.end - h.first))):
        start, end = scan.span(hit)
        if start < reach:
            continue  # inside an identifier already reported (a BHYT card's digits, say)
        out.append(Finding(hit.kind, text[start:end], start, end))
        reach = end
    return out


def _snippet(finding: Finding) -> str:
    text = " ".join(finding.text.split())
    return text if len(text) <= _SNIPPET else text[:_SNIPPET - 1] + "…"


def items(found: list[Finding]) -> str:
    """What was found, each kind with the text that looks like it, once."""
    out: list[str] = []
    for f in found:
        if f.kind in _LABELS and (item := f"{_LABELS[f.kind]} “{_snippet(f)}”") not in out:
            out.append(item)
    return ", ".join(out)


def describe(found: list[Finding]) -> str | None:
    """One message naming everything found (a refusal if anything is hard)."""
    if not found:
        return None
    if any(f.kind == "too_long" for f in found):
        return _("This text is too long to be checked for patient identifiers. Shorten it.")
    if any(f.hard for f in found):
        return _("This looks like a patient identifier: %(items)s. Remove it: the patient must not be "
                 "identifiable.", items=items(found))
    return _("This may identify the patient: %(items)s. If it is the patient's, rewrite it (for example "
             "“BN nam, 45 tuổi”); if it is not, give the reason and send again.", items=items(found))


def identifier_in(text: str | None) -> str | None:
    """A message naming what was found, or None (the cross-domain contract)."""
    return describe(findings(text, "message"))


def file_name_problem(name: str | None) -> str | None:
    """The uploaded file's own name: "nguyen-van-tam.jpg", "CCCD_001089012345.pdf"."""
    stem = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    found = findings(stem[:255], "file")
    if not found:
        return None
    return _("The file's name looks like it holds %(items)s. Rename the file, and make sure the photo or "
             "scan itself does not show the patient's name or numbers.", items=items(found))


@dataclass
class Review:
    """The identifier check of a form's text fields."""
    refused: dict = field(default_factory=dict)   # {field: message}: must be rewritten
    warned: dict = field(default_factory=dict)    # {field: message}: may be overridden with a reason
    kinds: set = field(default_factory=set)       # kinds warned about (kept with an override)
    signature: str = ""                           # identifies the warnings the asker saw

    @property
    def clean(self) -> bool:
        return not self.refused and not self.warned


def review_fields(values: dict, mode: str = "case") -> Review:
    review = Review()
    parts = []
    for name, text in values.items():
        found = findings(text, mode)
        if not found:
            continue
        message = describe(found)
        if any(f.hard for f in found):
            review.refused[name] = message
        else:
            review.warned[name] = message
            review.kinds |= {f.kind for f in found}
            parts += [f"{name}:{f.kind}:{fold(f.text)}" for f in found]
    if parts:
        review.signature = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]
    return review


def check_fields(values: dict) -> dict:
    """{field: message} for every field holding an identifier of any kind."""
    review = review_fields(values)
    return {**review.warned, **review.refused}
