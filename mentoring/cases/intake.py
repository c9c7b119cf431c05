"""A case's fields as the asker types them, for the API and the form alike:
checked all at once (every field's message in one answer), with the
identifier check on every free text, the NCD follow-up section and the link
to the asker's own earlier case.

A suspected name or address is a warning: the asker may send anyway, once,
with a reason; the case then keeps that reason and stays out of the
teaching library until a mentor reviews it. Phone, ID, insurance and the
other hard identifiers are always refused."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mentoring import clock
from mentoring.cases import deident, icd, ncd
from mentoring.cases.models import PREGNANCY, SEXES, URGENCIES, URGENCY_RANK, VITALS, Case, CaseDiagnosis
from mentoring.errors import ValidationFailed
from mentoring.extensions import db

TEXT_LIMITS = {"complaint": 2000, "history": 8000, "examination": 8000, "question": 4000}
OVERRIDE_LIMIT = 1000
# (low, high) for each vital sign; units: mmHg, /min, °C, %, /min, mmol/L, kg, cm.
VITAL_RANGES = {"systolic": (50, 300), "diastolic": (20, 200), "pulse": (20, 250),
                "temperature": (30.0, 45.0), "spo2": (50, 100), "resp_rate": (4, 80),
                "glucose": (1.0, 50.0), "weight": (0.3, 350.0), "height": (20.0, 250.0)}

FIELDS_MSG = _l("Please correct the marked fields.")
OVERRIDE_FIELD = "identifier_override_reason"


class IdentifierWarning(ValidationFailed):
    """Only warnings stand in the way: the asker may rewrite, or send with a reason."""
    code = "identifier_warning"


def _patient(data: dict, sending: bool, errors: dict, out: dict) -> None:
    years, months = data.get("age_years"), data.get("age_months")
    if years is not None and months is not None:
        errors["age_years"] = _("Give the age in years, or in months for a child under 2.")
    elif years is None and months is None:
        if sending:
            errors["age_years"] = _("Give the age in years, or in months for a child under 2.")
    elif years is not None and not 2 <= years <= 120:
        errors["age_years"] = (_("For a child under 2, give the age in months.") if 0 <= years < 2
                               else _("Age must be between 2 and 120 years."))
    elif months is not None and not 0 <= months <= 23:
        errors["age_months"] = _("Age in months must be between 0 and 23; older children in years.")
    out["age_years"], out["age_months"] = years, months
    sex = data.get("sex") or None
    if sex is None and sending or sex is not None and sex not in SEXES:
        errors["sex"] = _("Choose female, male or other.")
    out["sex"] = sex
    pregnancy = data.get("pregnancy") or (
        "unknown" if sex in ("female", "other") and years is not None and 10 <= years <= 55
        else "not_applicable")
    if pregnancy not in PREGNANCY:
        errors["pregnancy"] = _("Choose a pregnancy status.")
    elif pregnancy == "pregnant" and (sex == "male" or years is None or years < 10):
        errors["pregnancy"] = _("Pregnancy does not fit this patient's sex and age.")
    out["pregnancy"] = pregnancy
    urgency = data.get("urgency") or "routine"
    if urgency not in URGENCIES:
        errors["urgency"] = _("Choose routine, urgent or emergency.")
    out["urgency"] = urgency


def _vitals(data: dict, errors: dict, out: dict) -> None:
    vitals = data.get("vitals") or {}
    for name in VITALS:
        value = vitals.get(name)
        out[name] = value
        if value is None:
            continue
        low, high = VITAL_RANGES[name]
        if not low <= value <= high:
            errors[f"vitals.{name}"] = _("Must be between %(low)s and %(high)s.", low=low, high=high)
    if out["systolic"] is not None and out["diastolic"] is not None \
            and out["diastolic"] >= out["systolic"] and "vitals.diastolic" not in errors:
        errors["vitals.diastolic"] = _("Diastolic pressure must be below systolic.")


def _diagnoses(data: dict, errors: dict, out: dict) -> None:
    codes, bad = [], []
    for raw in (data.get("icd10") or [])[:20]:
        code = (raw or "").strip().upper()[:10]
        if not code:
            continue
        if icd.is_code(code):
            code = icd.normalise(code)
            if code not in codes:
                codes.append(code)
        else:
            bad.append(code)
    if bad:
        errors["icd10"] = _("Unknown ICD-10 code: %(codes)s. Search by code or words.", codes=", ".join(bad))
    out["icd10"] = codes


def _follow_up(data: dict, asker, case, errors: dict, out: dict) -> None:
    """The asker's own earlier, sent case about the same patient."""
    earlier_id = data.get("follow_up_of")
    out["follow_up_of_id"] = None
    if earlier_id is None:
        return
    earlier = db.session.execute(select(Case.id, Case.asker_id, Case.status).where(
        Case.id == earlier_id)).first()
    if earlier is None or asker is None or earlier.asker_id != asker.id or earlier.status == "draft" \
            or (case is not None and earlier.id == case.id):
        errors["follow_up_of"] = _("Link one of your own earlier cases.")
        return
    out["follow_up_of_id"] = earlier.id


def _identifiers(data: dict, texts: dict, sending: bool, errors: dict, out: dict) -> tuple[str | None, set]:
    """Hard identifiers refuse; warnings need a reason when the case is sent.
    Returns the signature of the warnings still waiting for a reason, and
    the fields that only carry such a warning."""
    review = deident.review_fields(texts)
    for name, message in review.refused.items():
        errors.setdefault(name, message)
    out["override"] = None
    if not review.warned or not sending:
        return None, set()
    reason = (data.get(OVERRIDE_FIELD) or "").strip()
    signature = data.get("identifier_signature") or None
    if reason and (signature is None or signature == review.signature):
        if len(reason) > OVERRIDE_LIMIT:
            errors[OVERRIDE_FIELD] = _("At most %(n)d characters.", n=OVERRIDE_LIMIT)
        elif message := deident.identifier_in(reason):
            errors[OVERRIDE_FIELD] = message
        else:
            out["override"] = {"reason": reason, "kinds": sorted(review.kinds)}
            return None, set()
    warned = {name for name in review.warned if name not in errors}
    for name in warned:
        errors[name] = review.warned[name]
    errors.setdefault(OVERRIDE_FIELD, _("If this is not the patient's name or address, say why here "
                                        "and send again; the case then waits for a mentor's review "
                                        "before it can enter the teaching library."))
    return review.signature, warned | {OVERRIDE_FIELD}


def check(data: dict, *, sending: bool, asker=None, case=None) -> tuple[dict, dict, str | None, set]:
    """(values, errors, warning signature, fields holding only a warning):
    every problem of every field at once."""
    errors: dict = {}
    out: dict = {}
    _patient(data, sending, errors, out)
    for name, limit in TEXT_LIMITS.items():
        text = (data.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
            text = text[:limit]
        out[name] = text
    if sending and not out["complaint"]:
        errors["complaint"] = _("Describe the presenting complaint.")
    if sending and not out["question"]:
        errors["question"] = _("Write the question you want answered.")
    _vitals(data, errors, out)
    _diagnoses(data, errors, out)
    ncd_values, ncd_errors = ncd.clean(data.get("ncd"), sending=sending)
    errors.update(ncd_errors)
    out["ncd"] = ncd_values
    _follow_up(data, asker, case, errors, out)
    signature, warned = _identifiers(data, {k: out[k] for k in TEXT_LIMITS if k not in errors},
                                     sending, errors, out)
    consent = bool(data.get("patient_consent"))
    if sending and not consent:
        errors["patient_consent"] = _("Confirm that the patient agreed to this consultation.")
    out["patient_consent"] = consent
    return out, errors, signature, warned


def clean_input(data: dict, *, sending: bool, asker=None, case=None) -> dict:
    """The values to store, or ValidationFailed with one message per field
    (IdentifierWarning when only a name or address warning stands)."""
    values, errors, signature, warned = check(data, sending=sending, asker=asker, case=case)
    if errors:
        only_warnings = signature is not None and set(errors) <= warned
        error = (IdentifierWarning if only_warnings else ValidationFailed)(str(FIELDS_MSG), fields=errors)
        error.identifier_signature = signature
        raise error
    return values


def apply(case: Case, values: dict) -> None:
    for name in ("age_years", "age_months", "sex", "pregnancy", "urgency", *TEXT_LIMITS, *VITALS):
        setattr(case, name, values[name])
    case.urgency_rank = URGENCY_RANK[case.urgency]
    if values["patient_consent"] and not case.patient_consent:
        case.consent_at = clock.now()
    case.patient_consent = values["patient_consent"]
    case.follow_up_of_id = values["follow_up_of_id"]
    # Keep rows whose code stays: deleting and re-inserting the same code in
    # one flush would trip the (case, code) unique constraint.
    existing = {d.code: d for d in case.diagnoses}
    kept = []
    for i, code in enumerate(values["icd10"]):
        row = existing.get(code) or CaseDiagnosis(code=code, chapter=icd.chapter_of(code))
        row.position = i
        kept.append(row)
    case.diagnoses = kept
    case.search_text = search_text([values[k] for k in TEXT_LIMITS], values["icd10"])
    ncd.apply(case, values["ncd"])
    if values.get("override"):
        record_override(case, values["override"])
    case.updated_at = clock.now()


def record_override(case: Case, override: dict) -> None:
    """The asker kept a suspected name or address, with a reason: a mentor
    must review the case before it can enter the teaching library."""
    case.identifier_override_reason = override["reason"]
    case.identifier_override_kinds = override["kinds"]
    case.identifier_override_at = clock.now()
    case.override_review = case.override_reviewed_at = case.override_reviewed_by_id = None


def search_text(texts: list[str | None], codes: list[str]) -> str:
    """Words of the texts and of the diagnoses' names, both languages, folded for search."""
    names = " ".join(f"{icd.describe(c, 'vi')} {icd.english(c)}" for c in codes)
    return icd.fold(" ".join([*(t for t in texts if t), names]))


def reindex_search(batch: int = 500) -> int:
    """Recompute every case's search words (after the diagnosis names changed,
    e.g. cases written before the Vietnamese names shipped), a batch of ids at
    a time so memory stays flat (it empties the session: for the command line).
    Returns how many changed; the caller commits."""
    changed, last = 0, 0
    while True:
        cases = db.session.execute(select(Case).where(Case.id > last).order_by(Case.id).limit(batch)
                                   ).unique().scalars().all()
        if not cases:
            return changed
        for case in cases:
            text = search_text([getattr(case, k) for k in TEXT_LIMITS], case.icd10)
            if text != case.search_text:
                case.search_text = text
                changed += 1
        last = cases[-1].id
        db.session.flush()
        db.session.expunge_all()
