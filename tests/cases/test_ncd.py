"""The NCD follow-up section: readings, drugs, adherence, screening, the
national primary-care targets, the link to the asker's own earlier case,
and bad input refused field by field with nothing saved."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from mentoring import clock
from mentoring.cases import ncd
from mentoring.cases.models import Case, CaseMedication, CaseReading
from mentoring.errors import ValidationFailed
from mentoring.extensions import db
from tests.cases.helpers import case_body, gen_case
from tests.factories import gen_group, token_headers

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
TODAY = T0.date()


def _readings(*values):
    return [{"taken_on": TODAY - timedelta(days=d), **v} for d, v in values]


def test_hypertension_follow_up_is_judged_on_the_latest_reading(app):
    clock.freeze(T0)
    group, people = gen_group()
    case = gen_case(group, people["commune"][0], ncd={
        "kind": "hypertension", "adherence": "partial", "complications_screened": ["ecg", "creatinine"],
        "readings": _readings((1, {"systolic": 148, "diastolic": 92}), (30, {"systolic": 170, "diastolic": 100}),
                              (15, {"systolic": 156, "diastolic": 96, "pulse": 80})),
        "medications": [{"name": "Amlodipine", "dose": "10 mg", "frequency": "1 lần/ngày"}, {}]})
    assert [r.systolic for r in case.readings] == [170, 156, 148]   # oldest first
    assert [m.name for m in case.medications] == ["Amlodipine"]     # the empty row is skipped
    result = ncd.assess(case)
    assert result.reached is False
    assert [(m.name, m.value, m.target) for m in result.measures] == [("blood_pressure", "148/92", "< 140/90")]
    case.readings.append(CaseReading(taken_on=TODAY, systolic=132, diastolic=82, position=9))
    assert ncd.assess(case).reached is True


def test_diabetes_targets_and_configured_targets(app):
    clock.freeze(T0)
    group, people = gen_group()
    case = gen_case(group, people["commune"][0], icd10=["E11.9"], ncd={
        "kind": "diabetes", "readings": _readings((60, {"hba1c": 8.4, "glucose": 9.8}),
                                                  (2, {"hba1c": 6.8, "glucose": 6.5, "weight": 61.5}))})
    assert ncd.assess(case).reached is True
    assert {m.name for m in ncd.assess(case).measures} == {"hba1c", "fasting_glucose"}
    app.config["MENTORING_NCD_TARGETS"] = {"diabetes": {"hba1c_below": 6.5}}
    try:
        assert ncd.assess(case).reached is False
    finally:
        app.config.pop("MENTORING_NCD_TARGETS")


@pytest.mark.parametrize("section,field", [
    ({"kind": "hypertension", "readings": [{"taken_on": TODAY, "systolic": 400, "diastolic": 90}]},
     "ncd.readings.0.systolic"),
    ({"kind": "hypertension", "readings": [{"taken_on": TODAY, "systolic": 120, "diastolic": 130}]},
     "ncd.readings.0.diastolic"),
    ({"kind": "hypertension", "readings": [{"taken_on": TODAY + timedelta(days=3), "systolic": 150}]},
     "ncd.readings.0.taken_on"),
    ({"kind": "hypertension", "readings": [{"systolic": 150, "diastolic": 90}]}, "ncd.readings.0.taken_on"),
    ({"kind": "hypertension", "readings": [{"taken_on": TODAY}]}, "ncd.readings.0.systolic"),
    ({"kind": "hypertension", "readings": []}, "ncd.readings.0.taken_on"),
    ({"kind": "asthma"}, "ncd.kind"),
    ({"readings": [{"taken_on": TODAY, "systolic": 150}]}, "ncd.kind"),
    ({"kind": "diabetes", "readings": [{"taken_on": TODAY, "hba1c": 30}]}, "ncd.readings.0.hba1c"),
    ({"kind": "diabetes", "readings": [{"taken_on": TODAY, "glucose": 7}], "adherence": "sometimes"},
     "ncd.adherence"),
    ({"kind": "diabetes", "readings": [{"taken_on": TODAY, "glucose": 7}], "complications_screened": ["fundus"]},
     "ncd.complications_screened"),
    ({"kind": "diabetes", "readings": [{"taken_on": TODAY, "glucose": 7}],
      "medications": [{"dose": "500 mg"}]}, "ncd.medications.0.name"),
    ({"kind": "diabetes", "readings": [{"taken_on": TODAY, "glucose": 7}],
      "medications": [{"name": "Metformin gọi 0912 345 678"}]}, "ncd.medications.0.name"),
])
def test_bad_sections_are_refused_field_by_field(section, field, app):
    clock.freeze(T0)
    group, people = gen_group()
    before = db.session.execute(select(func.count()).select_from(Case)).scalar()
    with pytest.raises(ValidationFailed) as caught:
        gen_case(group, people["commune"][0], ncd=section)
    assert field in caught.value.fields, caught.value.fields
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == before


def test_api_reports_every_problem_at_once_and_saves_nothing(client):
    clock.freeze(T0)
    group, people = gen_group()
    other = gen_case(group, people["commune"][1])   # a colleague's case
    db.session.commit()
    headers = token_headers(people["commune"][0])
    before = [db.session.execute(select(func.count()).select_from(m)).scalar()
              for m in (Case, CaseReading, CaseMedication)]
    r = client.post("/api/v1/cases", headers=headers, json=case_body(
        group, question="", follow_up_of=other.id, outcome_code="nonsense",
        ncd={"kind": "hypertension", "readings": [
            {"taken_on": TODAY.isoformat(), "systolic": 320, "diastolic": 90},
            {"taken_on": (TODAY + timedelta(days=1)).isoformat(), "systolic": 150, "diastolic": 95}]}))
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert {"question", "follow_up_of", "ncd.readings.0.systolic", "ncd.readings.1.taken_on"} <= set(fields)
    assert "do chính bạn hỏi" in fields["follow_up_of"][0]
    after = [db.session.execute(select(func.count()).select_from(m)).scalar()
             for m in (Case, CaseReading, CaseMedication)]
    assert after == before


def test_a_follow_up_links_only_the_askers_own_sent_case(client):
    clock.freeze(T0)
    group, people = gen_group()
    asker = people["commune"][0]
    mine = gen_case(group, asker)
    draft = gen_case(group, asker, draft=True)
    db.session.commit()
    headers = token_headers(asker)
    section = {"kind": "hypertension", "readings": [{"taken_on": TODAY.isoformat(), "systolic": 150,
                                                     "diastolic": 95}]}
    for bad in (draft.id, 2 ** 31 - 1):
        r = client.post("/api/v1/cases", headers=headers, json=case_body(group, follow_up_of=bad, ncd=section))
        assert r.status_code == 422 and "follow_up_of" in r.get_json()["error"]["fields"]
    r = client.post("/api/v1/cases", headers=headers, json=case_body(group, follow_up_of=mine.id, ncd=section))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["follow_up_of"] == mine.id and body["ncd_kind"] == "hypertension"
    assert body["ncd"]["measures"][0] == {"name": "blood_pressure", "value": "150/95", "target": "< 140/90",
                                          "reached": False, "taken_on": TODAY.isoformat()}


def test_a_draft_keeps_its_section_and_sending_checks_it_again(app):
    clock.freeze(T0)
    group, people = gen_group()
    asker = people["commune"][0]
    draft = gen_case(group, asker, draft=True, ncd={"kind": "diabetes"})   # no reading yet: fine for a draft
    assert draft.ncd_kind == "diabetes" and draft.readings == []
    from mentoring.cases import services
    with pytest.raises(ValidationFailed) as caught:
        services.send_case(draft, asker)
    assert "ncd.readings.0.taken_on" in caught.value.fields
    assert draft.status == "draft"
