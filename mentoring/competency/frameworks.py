"""Competency frameworks as data: the files under data/, import and export
as JSON (nested: domains -> competencies -> four levels) or CSV (one row per
competency, the framework and domain repeated on each row). Importing the
export gives back the same framework (tests/competency/test_frameworks.py)."""
import csv
import io
import json
import re
from pathlib import Path

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from mentoring import clock
from mentoring.competency.models import Assessment, Competency, CompetencyDomain, Framework
from mentoring.errors import ValidationFailed
from mentoring.extensions import db

DATA = Path(__file__).parent / "data"
FRAMEWORK_FILES = ("commune-family-medicine.json", "ehr-rollout.json")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_TITLE, MAX_TEXT, MAX_COMPETENCIES = 300, 4000, 500

CSV_COLUMNS = ["framework_code", "framework_version", "framework_title_vi", "framework_title_en",
               "framework_description_vi", "framework_description_en", "framework_basis",
               "domain_code", "domain_title_vi", "domain_title_en",
               "code", "title_vi", "title_en", "description_vi", "description_en", "tiers",
               *[f"level{n}_{lang}" for n in range(1, 5) for lang in ("vi", "en")]]


def localized(obj, field: str) -> str:
    """obj.<field>_vi or _en in the reader's language (Vietnamese when English is empty)."""
    lang = str(get_locale() or "vi")[:2]
    value = getattr(obj, f"{field}_{lang}", None) if lang == "en" else None
    return value or getattr(obj, f"{field}_vi") or ""


# --- reading a document -------------------------------------------------------

def _bilingual(node, path: str, errors: dict, limit: int = MAX_TITLE, required: bool = True) -> dict:
    node = node if isinstance(node, dict) else {}
    out = {}
    for lang in ("vi", "en"):
        value = node.get(lang)
        value = value.strip() if isinstance(value, str) else ""
        if required and not value:
            errors[f"{path}.{lang}"] = _("This field is required.")
        elif len(value) > limit:
            errors[f"{path}.{lang}"] = _("At most %(n)d characters.", n=limit)
        out[lang] = value
    return out


def _code(value, path: str, errors: dict) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not CODE.match(value):
        errors[path] = _("A code of 1 to 40 letters, digits, dots, dashes or underscores.")
    return value


def check_document(doc) -> dict:
    """Validate a framework document (the JSON shape) and return it cleaned.
    Raises ValidationFailed naming each bad field by its path."""
    from mentoring.org.services import tier_codes
    if not isinstance(doc, dict):
        raise ValidationFailed(_("A framework file must hold one framework."))
    errors: dict = {}
    tiers = set(tier_codes())
    out = {"code": _code(doc.get("code"), "code", errors),
           "version": str(doc.get("version") or "1")[:20],
           "title": _bilingual(doc.get("title"), "title", errors),
           "description": _bilingual(doc.get("description"), "description", errors, MAX_TEXT, False),
           "basis": (doc.get("basis") or "").strip()[:MAX_TEXT] if isinstance(doc.get("basis"), str) else "",
           "domains": []}
    seen: set = set()
    domains = doc.get("domains") if isinstance(doc.get("domains"), list) else []
    if not domains:
        errors["domains"] = _("A framework needs at least one domain.")
    count = 0
    for i, dom in enumerate(domains):
        dom = dom if isinstance(dom, dict) else {}
        d_out = {"code": _code(dom.get("code"), f"domains.{i}.code", errors),
                 "title": _bilingual(dom.get("title"), f"domains.{i}.title", errors), "competencies": []}
        for j, comp in enumerate(dom.get("competencies") if isinstance(dom.get("competencies"), list) else []):
            count += 1
            if count > MAX_COMPETENCIES:
                raise ValidationFailed(_("At most %(n)d competencies in one framework.", n=MAX_COMPETENCIES))
            comp = comp if isinstance(comp, dict) else {}
            path = f"domains.{i}.competencies.{j}"
            code = _code(comp.get("code"), f"{path}.code", errors)
            if code in seen:
                errors[f"{path}.code"] = _("This code is used twice.")
            seen.add(code)
            comp_tiers = comp.get("tiers") if isinstance(comp.get("tiers"), list) else []
            if not comp_tiers or not all(isinstance(t, str) and t in tiers for t in comp_tiers):
                errors[f"{path}.tiers"] = _("Tiers must be among: %(tiers)s.", tiers=", ".join(sorted(tiers)))
            levels = comp.get("levels") if isinstance(comp.get("levels"), list) else []
            if len(levels) != 4:
                errors[f"{path}.levels"] = _("Give exactly four level descriptors.")
            d_out["competencies"].append({
                "code": code, "title": _bilingual(comp.get("title"), f"{path}.title", errors),
                "description": _bilingual(comp.get("description"), f"{path}.description", errors,
                                          MAX_TEXT, False),
                "tiers": [t for t in comp_tiers if isinstance(t, str)],
                "levels": [_bilingual(lv, f"{path}.levels.{k}", errors, MAX_TEXT)
                           for k, lv in enumerate(levels[:4])]})
        out["domains"].append(d_out)
    if errors:
        raise ValidationFailed(_("The framework file has errors."), fields=errors)
    return out


# --- storing ------------------------------------------------------------------

def import_framework(doc) -> Framework:
    """Insert or update a framework from a document (by codes). Competencies
    missing from the document are removed unless someone was assessed on them."""
    data = check_document(doc)
    framework = db.session.execute(select(Framework).where(Framework.code == data["code"])).scalar_one_or_none()
    if framework is None:
        framework = Framework(code=data["code"])
        db.session.add(framework)
    framework.version = data["version"]
    framework.title_vi, framework.title_en = data["title"]["vi"], data["title"]["en"]
    framework.description_vi = data["description"]["vi"] or None
    framework.description_en = data["description"]["en"] or None
    framework.basis = data["basis"] or None
    framework.updated_at = clock.now()
    db.session.flush()
    codes = [c["code"] for d in data["domains"] for c in d["competencies"]]
    existing = {c.code: c for c in db.session.execute(select(Competency).where(
        (Competency.framework_id == framework.id) | Competency.code.in_(codes))).scalars()}
    clash = [code for code, c in existing.items() if code in codes and c.framework_id != framework.id]
    if clash:
        raise ValidationFailed(_("These competency codes belong to another framework: %(codes)s.",
                                 codes=", ".join(sorted(clash))))
    domains = {d.code: d for d in framework.domains}
    for position, dom in enumerate(data["domains"]):
        domain = domains.pop(dom["code"], None) or CompetencyDomain(framework_id=framework.id, code=dom["code"])
        domain.title_vi, domain.title_en, domain.position = dom["title"]["vi"], dom["title"]["en"], position
        db.session.add(domain)
        db.session.flush()
        for k, comp in enumerate(dom["competencies"]):
            row = existing.pop(comp["code"], None) or Competency(code=comp["code"], framework_id=framework.id)
            row.domain_id, row.position = domain.id, k
            row.title_vi, row.title_en = comp["title"]["vi"], comp["title"]["en"]
            row.description_vi = comp["description"]["vi"] or None
            row.description_en = comp["description"]["en"] or None
            row.tiers, row.levels = list(comp["tiers"]), [dict(lv) for lv in comp["levels"]]
            db.session.add(row)
    _remove_unused(list(existing.values()))
    db.session.flush()
    for domain in domains.values():
        if not db.session.execute(select(Competency.id).where(Competency.domain_id == domain.id)).first():
            db.session.delete(domain)
    db.session.flush()
    db.session.expire(framework)
    return framework


def _remove_unused(competencies: list[Competency]) -> None:
    if not competencies:
        return
    assessed = set(db.session.execute(select(Assessment.competency_id).where(
        Assessment.competency_id.in_([c.id for c in competencies]))).scalars())
    kept = [c.code for c in competencies if c.id in assessed]
    if kept:
        raise ValidationFailed(_("Workers were assessed on %(codes)s: keep these competencies in the file.",
                                 codes=", ".join(sorted(kept))))
    for comp in competencies:
        db.session.delete(comp)


def load_shipped() -> list[Framework]:
    """The frameworks that ship with the platform (seed-demo, first set-up)."""
    return [import_framework(json.loads((DATA / name).read_text(encoding="utf-8")))
            for name in FRAMEWORK_FILES]


def parse_file(name: str, content: bytes):
    """A document from a .json or .csv file's bytes."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("The file must be UTF-8 text."))
    if name.lower().endswith(".csv"):
        return from_csv(text)
    try:
        return json.loads(text)
    except ValueError as err:
        raise ValidationFailed(_("This is not valid JSON: %(error)s", error=str(err)))


# --- export -------------------------------------------------------------------

def get_framework(code: str) -> Framework | None:
    return db.session.execute(select(Framework).where(Framework.code == code)).scalar_one_or_none()


def frameworks() -> list[Framework]:
    return list(db.session.execute(select(Framework).order_by(Framework.id)).scalars())


def to_document(framework: Framework) -> dict:
    comps = db.session.execute(select(Competency).where(Competency.framework_id == framework.id)
                               .order_by(Competency.position, Competency.id)).scalars().all()
    by_domain: dict = {}
    for c in comps:
        by_domain.setdefault(c.domain_id, []).append(c)
    return {
        "code": framework.code, "version": framework.version,
        "title": {"vi": framework.title_vi, "en": framework.title_en},
        "description": {"vi": framework.description_vi or "", "en": framework.description_en or ""},
        "basis": framework.basis or "",
        "domains": [{
            "code": d.code, "title": {"vi": d.title_vi, "en": d.title_en},
            "competencies": [{
                "code": c.code, "title": {"vi": c.title_vi, "en": c.title_en},
                "description": {"vi": c.description_vi or "", "en": c.description_en or ""},
                "tiers": list(c.tiers), "levels": [{"vi": lv["vi"], "en": lv["en"]} for lv in c.levels],
            } for c in by_domain.get(d.id, [])]} for d in framework.domains],
    }


def to_json(framework: Framework) -> str:
    return json.dumps(to_document(framework), ensure_ascii=False, indent=2) + "\n"


def to_csv(framework: Framework) -> str:
    doc = to_document(framework)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    head = {"framework_code": doc["code"], "framework_version": doc["version"],
            "framework_title_vi": doc["title"]["vi"], "framework_title_en": doc["title"]["en"],
            "framework_description_vi": doc["description"]["vi"],
            "framework_description_en": doc["description"]["en"], "framework_basis": doc["basis"]}
    for dom in doc["domains"]:
        for comp in dom["competencies"]:
            row = dict(head, domain_code=dom["code"], domain_title_vi=dom["title"]["vi"],
                       domain_title_en=dom["title"]["en"], code=comp["code"], title_vi=comp["title"]["vi"],
                       title_en=comp["title"]["en"], description_vi=comp["description"]["vi"],
                       description_en=comp["description"]["en"], tiers=" ".join(comp["tiers"]))
            for n, level in enumerate(comp["levels"], start=1):
                row[f"level{n}_vi"], row[f"level{n}_en"] = level["vi"], level["en"]
            writer.writerow(row)
    return out.getvalue()


def from_csv(text: str) -> dict:
    """The JSON shape from CSV rows (the order of rows keeps the order of domains)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(_("The CSV file lacks the columns: %(columns)s.", columns=", ".join(missing)))
    doc: dict | None = None
    domains: dict = {}
    for n, row in enumerate(reader):
        if n >= MAX_COMPETENCIES:
            raise ValidationFailed(_("At most %(n)d competencies in one framework.", n=MAX_COMPETENCIES))
        if doc is None:
            doc = {"code": row["framework_code"], "version": row["framework_version"],
                   "title": {"vi": row["framework_title_vi"], "en": row["framework_title_en"]},
                   "description": {"vi": row["framework_description_vi"], "en": row["framework_description_en"]},
                   "basis": row["framework_basis"], "domains": []}
        elif row["framework_code"] != doc["code"]:
            raise ValidationFailed(_("A CSV file holds one framework; found %(a)s and %(b)s.",
                                     a=doc["code"], b=row["framework_code"]))
        domain = domains.get(row["domain_code"])
        if domain is None:
            domain = {"code": row["domain_code"],
                      "title": {"vi": row["domain_title_vi"], "en": row["domain_title_en"]}, "competencies": []}
            domains[row["domain_code"]] = domain
            doc["domains"].append(domain)
        domain["competencies"].append({
            "code": row["code"], "title": {"vi": row["title_vi"], "en": row["title_en"]},
            "description": {"vi": row["description_vi"], "en": row["description_en"]},
            "tiers": (row["tiers"] or "").split(),
            "levels": [{"vi": row[f"level{k}_vi"], "en": row[f"level{k}_en"]} for k in range(1, 5)]})
    if doc is None:
        raise ValidationFailed(_("The CSV file has no competencies."))
    return doc


# --- lookups for other domains (CONTRACTS.md) ----------------------------------

def known_competency_codes(codes) -> set[str]:
    wanted = {c for c in codes if isinstance(c, str)}
    if not wanted:
        return set()
    return set(db.session.execute(select(Competency.code).where(Competency.code.in_(wanted))).scalars())


def competency_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Competency).join(Framework, Framework.id == Competency.framework_id)
                              .order_by(Framework.id, Competency.position, Competency.id)).scalars()
    return [(c.code, localized(c, "title")) for c in rows]


def competencies_of(framework_code: str) -> list[Competency]:
    return list(db.session.execute(select(Competency).join(Framework, Framework.id == Competency.framework_id)
                                   .where(Framework.code == framework_code)
                                   .order_by(Competency.position, Competency.id)).scalars())
