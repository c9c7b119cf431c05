"""The NCD follow-up section of a case: hypertension and type 2 diabetes,
the conditions commune stations find and manage.

A commune worker records readings over time, the drugs and doses the
patient takes now, adherence and which complications were screened; the
section then says whether the latest readings reach the national
primary-care targets, so the mentor can answer "is this patient
controlled, what do I change" against numbers.

The targets come from configuration (MENTORING_NCD_TARGETS). The defaults
follow the Ministry of Health's primary-care guidance: blood pressure below
140/90 mmHg; type 2 diabetes with fasting plasma glucose 4.4-7.2 mmol/L
and HbA1c below 7 %. A programme can change them without code."""
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mentoring import clock
from mentoring.cases import deident
from mentoring.cases.models import ADHERENCE, NCD_KINDS, CaseMedication, CaseReading

MAX_READINGS = 12
MAX_MEDICATIONS = 10
READING_FIELDS = ("systolic", "diastolic", "pulse", "glucose", "hba1c", "weight")
# (low, high) a living patient can show; units mmHg, /min, mmol/L, %, kg.
READING_RANGES = {"systolic": (50, 300), "diastolic": (20, 200), "pulse": (20, 250),
                  "glucose": (1.0, 50.0), "hba1c": (3.0, 20.0), "weight": (0.3, 350.0)}
MEDICATION_LIMITS = {"name": 120, "dose": 60, "frequency": 60}
COMPLICATIONS = {
    "hypertension": ("ecg", "creatinine", "urine_protein", "lipids", "glucose", "fundus"),
    "diabetes": ("hba1c", "eye", "foot", "creatinine", "urine_albumin", "lipids", "ecg"),
}
DEFAULT_TARGETS = {
    "hypertension": {"systolic_below": 140, "diastolic_below": 90},
    "diabetes": {"glucose_from": 4.4, "glucose_to": 7.2, "hba1c_below": 7.0,
                 "systolic_below": 140, "diastolic_below": 90},
}

COMPLICATION_LABELS = {
    "ecg": _l("ECG"), "creatinine": _l("Creatinine / eGFR"), "urine_protein": _l("Urine protein"),
    "lipids": _l("Blood lipids"), "glucose": _l("Blood glucose"), "fundus": _l("Fundus examination"),
    "hba1c": _l("HbA1c"), "eye": _l("Eye examination"), "foot": _l("Foot examination"),
    "urine_albumin": _l("Urine albumin"),
}
KIND_LABELS = {"hypertension": _l("Hypertension"), "diabetes": _l("Type 2 diabetes")}
ADHERENCE_LABELS = {"good": _l("Takes every dose"), "partial": _l("Misses some doses"),
                    "poor": _l("Often stops the drugs"), "unknown": _l("Not known")}


def targets(kind: str) -> dict:
    configured = (current_app.config.get("MENTORING_NCD_TARGETS") or {}).get(kind) or {}
    return {**DEFAULT_TARGETS[kind], **configured}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean(data: dict | None, *, sending: bool) -> tuple[dict, dict]:
    """(values, errors) of the section; errors keyed like the form's fields
    (ncd.readings.0.systolic). Rows left entirely empty are skipped, and
    keep their number so a message lands beside the right row."""
    data = data or {}
    errors: dict = {}
    kind = data.get("kind") or None
    if kind is not None and kind not in NCD_KINDS:
        errors["ncd.kind"] = _("Choose hypertension or type 2 diabetes.")
        kind = None
    readings, medications = [], []
    raw_readings = data.get("readings") or []
    raw_medications = data.get("medications") or []
    if len(raw_readings) > MAX_READINGS:
        errors["ncd.readings"] = _("At most %(n)d readings.", n=MAX_READINGS)
        raw_readings = []
    if len(raw_medications) > MAX_MEDICATIONS:
        errors["ncd.medications"] = _("At most %(n)d drugs.", n=MAX_MEDICATIONS)
        raw_medications = []
    today = clock.now().date()
    for n, row in enumerate(raw_readings):
        row = row or {}
        values = {name: row.get(name) for name in READING_FIELDS}
        taken_on = row.get("taken_on")
        if taken_on is None and all(v is None for v in values.values()):
            continue
        prefix = f"ncd.readings.{n}"
        for name, value in values.items():
            if value is not None:
                low, high = READING_RANGES[name]
                if not low <= value <= high:
                    errors[f"{prefix}.{name}"] = _("Must be between %(low)s and %(high)s.", low=low, high=high)
        if values["systolic"] is not None and values["diastolic"] is not None \
                and values["diastolic"] >= values["systolic"] and f"{prefix}.diastolic" not in errors:
            errors[f"{prefix}.diastolic"] = _("Diastolic pressure must be below systolic.")
        if taken_on is None:
            errors[f"{prefix}.taken_on"] = _("Enter the date of this reading.")
        elif taken_on > today:
            errors[f"{prefix}.taken_on"] = _("A reading cannot be in the future.")
        elif taken_on < date(today.year - 20, 1, 1):
            errors[f"{prefix}.taken_on"] = _("Enter a date in the last 20 years.")
        if all(v is None for v in values.values()):
            errors[f"{prefix}.systolic"] = _("Enter at least one value for this reading.")
        readings.append({"taken_on": taken_on, **values})
    for n, row in enumerate(raw_medications):
        row = {k: (row or {}).get(k) for k in MEDICATION_LIMITS}
        if all(_blank(v) for v in row.values()):
            continue
        prefix = f"ncd.medications.{n}"
        clean_row = {}
        for name, limit in MEDICATION_LIMITS.items():
            text = (row[name] or "").strip()
            if len(text) > limit:
                errors[f"{prefix}.{name}"] = _("At most %(n)d characters.", n=limit)
            elif text and (message := deident.identifier_in(text)):
                errors[f"{prefix}.{name}"] = message
            clean_row[name] = text or None
        if not clean_row["name"] and f"{prefix}.name" not in errors:
            errors[f"{prefix}.name"] = _("Write the drug's name.")
        medications.append(clean_row)
    adherence = data.get("adherence") or None
    if adherence is not None and adherence not in ADHERENCE:
        errors["ncd.adherence"] = _("Choose how the patient takes the drugs.")
    screened = [c for c in (data.get("complications_screened") or []) if c]
    allowed = COMPLICATIONS.get(kind, ())
    if any(c not in allowed for c in screened):
        errors["ncd.complications_screened"] = _("Choose from the screenings listed for this condition.")
    if kind is None and (readings or medications or adherence or screened) and "ncd.kind" not in errors:
        errors["ncd.kind"] = _("Choose the condition this follow-up is about.")
    if sending and kind is not None and not readings and not any(k.startswith("ncd.readings") for k in errors):
        errors["ncd.readings.0.taken_on"] = _("Add at least one reading for the follow-up.")
    values = {"kind": kind, "readings": readings, "medications": medications, "adherence": adherence,
              "complications_screened": sorted(set(screened)) if kind else None}
    return values, errors


def apply(case, values: dict) -> None:
    """Replace the case's section with `values` (from clean)."""
    case.ncd_kind = values["kind"]
    case.adherence = values["adherence"] if values["kind"] else None
    case.complications_screened = values["complications_screened"] if values["kind"] else None
    case.readings = [CaseReading(position=n, **row) for n, row in
                     enumerate(sorted(values["readings"], key=lambda r: r["taken_on"]))] if values["kind"] else []
    case.medications = [CaseMedication(position=n, **row) for n, row in
                        enumerate(values["medications"])] if values["kind"] else []


@dataclass
class Measure:
    name: str            # "blood_pressure", "fasting_glucose", "hba1c"
    value: str           # as shown: "150/95", "7.8"
    target: str          # "< 140/90"
    reached: bool
    taken_on: date


@dataclass
class Assessment:
    kind: str
    measures: list
    reached: bool | None   # None: no reading to judge


def assess(case) -> Assessment | None:
    """Is the patient controlled, judged on the latest reading of each measure?"""
    if not case.ncd_kind:
        return None
    goal = targets(case.ncd_kind)
    readings = sorted(case.readings, key=lambda r: (r.taken_on, r.position), reverse=True)
    measures = []
    bp = next((r for r in readings if r.systolic is not None and r.diastolic is not None), None)
    if bp is not None:
        measures.append(Measure("blood_pressure", f"{bp.systolic}/{bp.diastolic}",
                                f"< {goal['systolic_below']}/{goal['diastolic_below']}",
                                bp.systolic < goal["systolic_below"] and bp.diastolic < goal["diastolic_below"],
                                bp.taken_on))
    if case.ncd_kind == "diabetes":
        hba1c = next((r for r in readings if r.hba1c is not None), None)
        if hba1c is not None:
            measures.append(Measure("hba1c", f"{hba1c.hba1c:g}", f"< {goal['hba1c_below']:g}",
                                    hba1c.hba1c < goal["hba1c_below"], hba1c.taken_on))
        glucose = next((r for r in readings if r.glucose is not None), None)
        if glucose is not None:
            measures.append(Measure("fasting_glucose", f"{glucose.glucose:g}",
                                    f"{goal['glucose_from']:g}–{goal['glucose_to']:g}",
                                    goal["glucose_from"] <= glucose.glucose <= goal["glucose_to"],
                                    glucose.taken_on))
    return Assessment(case.ncd_kind, measures, all(m.reached for m in measures) if measures else None)


def measure_label(name: str) -> str:
    return {"blood_pressure": _("Blood pressure (mmHg)"), "hba1c": _("HbA1c (%)"),
            "fasting_glucose": _("Fasting glucose (mmol/L)")}.get(name, name)
