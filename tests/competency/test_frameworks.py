"""Frameworks ship as data, import and export as JSON and CSV (round trip),
and bad files are refused field by field with nothing stored."""
import json

import pytest
from sqlalchemy import func, select

from mentoring.competency import frameworks
from mentoring.competency.models import Competency, Framework
from mentoring.errors import ValidationFailed
from mentoring.extensions import db

ISSUE_TOPICS = {"FM-HTN", "FM-T2D", "FM-CRD", "FM-MAT", "FM-IMCI", "FM-EPI", "FM-MH", "FM-EMG", "FM-AMR", "FM-HP"}


def test_shipped_frameworks_cover_the_issue_in_both_languages(loaded):
    family = frameworks.competencies_of("commune-family-medicine")
    ehr = frameworks.competencies_of("ehr-rollout")
    assert {c.code for c in family} == ISSUE_TOPICS
    assert {c.code for c in ehr} == {"EHR-VISIT", "EHR-BOOK", "EHR-NCD", "EHR-REPORT", "EHR-PRIVACY"}
    for comp in family + ehr:
        assert comp.title_vi and comp.title_en and comp.description_vi and comp.description_en
        assert len(comp.levels) == 4 and all(lv["vi"] and lv["en"] for lv in comp.levels)
        assert set(comp.tiers) <= {"provincial", "district", "commune"} and comp.tiers
    by_code = {c.code: c for c in family}
    assert by_code["FM-T2D"].title_vi == "Quản lý đái tháo đường típ 2"
    assert "không phải" not in (frameworks.get_framework("ehr-rollout").basis or "")  # basis is in English, honest
    assert "not an official" in frameworks.get_framework("ehr-rollout").basis


def test_loading_twice_changes_nothing(loaded):
    before = db.session.execute(select(func.count()).select_from(Competency)).scalar()
    frameworks.load_shipped()
    assert db.session.execute(select(func.count()).select_from(Competency)).scalar() == before
    assert db.session.execute(select(func.count()).select_from(Framework)).scalar() == 2


def test_json_and_csv_round_trip(loaded):
    original = frameworks.get_framework("commune-family-medicine")
    as_json = frameworks.to_json(original)
    as_csv = frameworks.to_csv(original)
    doc = json.loads(as_json)
    # Import the CSV under a new code: the same framework comes back.
    renamed_csv = as_csv.replace("commune-family-medicine", "copy-of-family")
    renamed_csv = "\n".join(line.replace("FM-", "CP-") for line in renamed_csv.splitlines()) + "\n"
    copy = frameworks.import_framework(frameworks.parse_file("copy.csv", renamed_csv.encode()))
    again = json.loads(frameworks.to_json(copy))
    assert again["code"] == "copy-of-family"
    strip = lambda d: json.loads(json.dumps(d).replace("copy-of-family", "commune-family-medicine")
                                 .replace("CP-", "FM-"))
    assert strip(again) == doc
    # And JSON -> import -> CSV gives the same CSV.
    frameworks.import_framework(json.loads(as_json))
    assert frameworks.to_csv(frameworks.get_framework("commune-family-medicine")) == as_csv


def test_import_updates_in_place_and_removes_unassessed_competencies(loaded):
    doc = frameworks.to_document(frameworks.get_framework("ehr-rollout"))
    doc["domains"][0]["competencies"][0]["title"]["vi"] = "Nhập lượt khám"
    doc["domains"][-1]["competencies"] = []
    doc["domains"] = doc["domains"][:-1]
    frameworks.import_framework(doc)
    codes = {c.code: c for c in frameworks.competencies_of("ehr-rollout")}
    assert "EHR-PRIVACY" not in codes and codes["EHR-VISIT"].title_vi == "Nhập lượt khám"


@pytest.mark.parametrize("change, field", [
    (lambda d: d.update(code="bad code!"), "code"),
    (lambda d: d["domains"][0]["competencies"][0].update(levels=[{"vi": "a", "en": "a"}]),
     "domains.0.competencies.0.levels"),
    (lambda d: d["domains"][0]["competencies"][0].update(tiers=["village"]), "domains.0.competencies.0.tiers"),
    (lambda d: d["domains"][0]["competencies"][0]["title"].update(vi=""), "domains.0.competencies.0.title.vi"),
    (lambda d: d["domains"][1]["competencies"][0].update(code="AN-HTN"), "domains.1.competencies.0.code"),
])
def test_bad_documents_are_refused_by_field(loaded, change, field):
    doc = frameworks.to_document(frameworks.get_framework("commune-family-medicine"))
    doc["code"] = "another"
    for dom in doc["domains"]:
        for comp in dom["competencies"]:
            comp["code"] = comp["code"].replace("FM-", "AN-")
    change(doc)
    with pytest.raises(ValidationFailed) as err:
        frameworks.import_framework(doc)
    assert field in err.value.fields
    assert frameworks.get_framework("another") is None


def test_a_competency_code_cannot_move_between_frameworks(loaded):
    doc = frameworks.to_document(frameworks.get_framework("ehr-rollout"))
    doc["code"] = "thief"
    with pytest.raises(ValidationFailed, match="EHR-VISIT"):
        frameworks.import_framework(doc)


def test_cli_import_and_export(app, loaded, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "ehr.csv"
    result = runner.invoke(args=["export-framework", "ehr-rollout", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Ghi nhận một lượt khám" in out.read_text(encoding="utf-8")
    result = runner.invoke(args=["import-framework", str(out)])
    assert result.exit_code == 0 and "ehr-rollout: 5 competencies" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"code": "x"}', encoding="utf-8")
    result = runner.invoke(args=["import-framework", str(bad)])
    assert result.exit_code != 0 and "domains" in result.output


def test_contract_lookups(loaded):
    assert frameworks.known_competency_codes(["FM-HTN", "nope", "EHR-NCD", 7]) == {"FM-HTN", "EHR-NCD"}
    choices = dict(frameworks.competency_choices())
    assert choices["FM-HTN"] == "Quản lý tăng huyết áp"
    assert len(choices) == 15
