"""Assessments: only a mentor of the worker rates them, the worker rates
themselves, levels 1-4, evidence checked; current level = latest mentor
rating; the self/mentor gap. Refusals are 4xx with field messages."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mentoring import clock
from mentoring.competency import assessments
from mentoring.competency.models import Assessment
from mentoring.errors import Forbidden, ValidationFailed
from mentoring.extensions import db
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login, token_headers


def _count():
    return db.session.execute(select(func.count()).select_from(Assessment)).scalar()


def test_current_level_is_the_latest_mentor_rating_and_the_gap_is_shown(loaded):
    group, people = gen_group()
    mentor, worker = people["mentor"], people["commune"][0]
    today = clock.now().date()
    assessments.assess(mentor, worker, {"competency": "FM-HTN", "level": 2, "assessed_on": today - timedelta(days=60)})
    assessments.assess(mentor, worker, {"competency": "FM-HTN", "level": 3, "assessed_on": today - timedelta(days=5)})
    assessments.assess(worker, worker, {"competency": "FM-HTN", "level": 4})
    [standing] = assessments.standings(worker.id, [assessments._competency("FM-HTN")])
    assert (standing.mentor_level, standing.self_level, standing.gap) == (3, 4, 1)
    assert [a.level for a in assessments.timeline(worker.id)] == [4, 3, 2]


@pytest.mark.parametrize("level", [0, 5, -1, "3", None, True])
def test_level_outside_one_to_four_is_refused(loaded, level):
    group, people = gen_group()
    with pytest.raises(ValidationFailed) as err:
        assessments.assess(people["mentor"], people["commune"][0], {"competency": "FM-HTN", "level": level})
    assert "level" in err.value.fields
    assert _count() == 0


def test_only_a_mentor_of_that_worker_assesses(loaded):
    group, people = gen_group()
    other, others = gen_group()
    worker = people["commune"][0]
    for stranger in (others["mentor"], people["district"][0], gen_user("coordinator"), gen_user("admin")):
        with pytest.raises(Forbidden):
            assessments.assess(stranger, worker, {"competency": "FM-HTN", "level": 3})
    assert _count() == 0


def test_evidence_must_be_the_workers_own(loaded):
    group, people = gen_group()
    mentor, worker, peer = people["mentor"], people["commune"][0], people["commune"][1]
    mine, theirs = gen_case(group, worker), gen_case(group, peer)
    db.session.commit()
    row = assessments.assess(mentor, worker, {"competency": "FM-HTN", "level": 3, "evidence_kind": "case",
                                              "evidence_id": mine.id, "note": "Xử trí tốt"})
    assert row.evidence_id == mine.id
    for data, field in (({"evidence_kind": "case", "evidence_id": theirs.id}, "evidence_id"),
                        ({"evidence_kind": "case"}, "evidence_id"),
                        ({"evidence_kind": "session", "evidence_id": 3}, "evidence_id"),
                        ({"evidence_kind": "rumour"}, "evidence_kind"),
                        ({"assessed_on": clock.now().date() + timedelta(days=3)}, "assessed_on"),
                        ({"competency": "NOPE"}, "competency")):
        with pytest.raises(ValidationFailed) as err:
            assessments.assess(mentor, worker, {"competency": "FM-HTN", "level": 3, **data})
        assert field in err.value.fields


def test_session_evidence_is_checked_with_the_sessions_domain(loaded, sessions_stand_in):
    group, people = gen_group()
    mentor, worker = people["mentor"], people["commune"][0]
    sessions_stand_in.record(12, worker, minutes=60, duration=60)
    row = assessments.assess(mentor, worker, {"competency": "FM-IMCI", "level": 2, "evidence_kind": "session",
                                              "evidence_id": 12})
    assert row.evidence_kind == "session"


def test_api_assessment_doors(client, loaded):
    group, people = gen_group()
    other, others = gen_group()
    mentor, worker = people["mentor"], people["commune"][0]
    url = f"/api/v1/workers/{worker.id}/assessments"
    r = client.post(url, json={"competency": "FM-HTN", "level": 3}, headers=token_headers(mentor))
    assert r.status_code == 201 and r.get_json()["level"] == 3
    r = client.post(url, json={"competency": "FM-HTN", "level": 7}, headers=token_headers(mentor))
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["level"] == ["Chọn mức từ 1 đến 4."]
    r = client.post(url, json={"competency": "FM-HTN", "level": "cao"}, headers=token_headers(mentor))
    assert r.status_code == 422 and "level" in r.get_json()["error"]["fields"]
    r = client.post(url, json={"competency": "FM-HTN", "level": 3}, headers=token_headers(people["district"][0]))
    assert r.status_code == 404   # a fellow member cannot even see the worker's progress
    r = client.post(url, json={"competency": "FM-HTN", "level": 3}, headers=token_headers(others["mentor"]))
    assert r.status_code == 404
    coordinator = gen_user("coordinator")
    r = client.post(url, json={"competency": "FM-HTN", "level": 3}, headers=token_headers(coordinator))
    assert r.status_code == 403
    assert r.get_json()["error"]["message"] == "Chỉ người hướng dẫn của nhân viên y tế này mới được đánh giá."
    assert _count() == 1


def test_html_assessment_form_keeps_the_text(client, loaded):
    group, people = gen_group()
    mentor, worker = people["mentor"], people["commune"][0]
    login(client, mentor)
    r = client.post(f"/workers/{worker.id}/assessments",
                    data={"competency": "FM-HTN", "level": "9", "note": "Ghi chú của tôi"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Chọn mức từ 1 đến 4." in page and "Ghi chú của tôi" in page
    r = client.post(f"/workers/{worker.id}/assessments", data={"competency": "FM-HTN", "level": "3"})
    assert r.status_code == 302
    assert "3 – đủ năng lực" in client.get(f"/workers/{worker.id}/progress").get_data(as_text=True).lower()
