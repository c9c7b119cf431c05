"""Programmes as data: caps per activity kind, sessions and consultations
required, audience; progress says exactly what is missing, in Vietnamese."""
import pytest

from mentoring.competency import programmes
from mentoring.errors import ValidationFailed
from mentoring.extensions import db
from tests.cases.helpers import gen_case
from tests.competency.helpers import approved_course
from tests.factories import gen_group, gen_user

CUSTOM = {"code": "short-course", "title": {"vi": "Chương trình ngắn", "en": "Short programme"},
          "audience": {"tiers": ["district"], "groups": [], "provinces": []}, "validity_days": 365,
          "requirements": {"hours": {"required": 10, "window_days": 365, "caps": {"outside_course": 4}},
                           "sessions_attended": 2, "case_consultations": 1,
                           "competencies": [{"competency": "FM-HTN", "min_level": 3}]}}


def test_caps_sessions_consultations_and_competencies(loaded, sessions_stand_in):
    [programme] = programmes.import_programmes([CUSTOM])
    group, people = gen_group()
    district, coordinator = people["district"][0], gen_user("coordinator")
    approved_course(district, coordinator, hours=8, days_ago=3)
    sessions_stand_in.record(1, district, minutes=60, duration=60)
    progress = programmes.evaluate(district, programme)
    assert progress.hours_counted == 5.0      # 1 h session + 8 h course capped at 4
    from mentoring.competency import dashboard    # the dashboard's SQL caps the same way
    in_sql = db.session.execute(dashboard.counted_hours_select(
        programme, progress.window_start, [district.id])).one()
    assert in_sql.hours == 5.0
    assert progress.missing == [
        "Cần thêm 5 giờ trong 1 năm gần nhất (đã tính 5/10 giờ).",
        "Cần tham dự thêm 1 buổi sinh hoạt chuyên môn (đã có 1/2).",
        "Cần trả lời thêm 1 ca hội chẩn (đã có 0/1).",
        "Năng lực “Quản lý tăng huyết áp” đạt mức 3 (đủ năng lực) trở lên, do người hướng dẫn xác nhận; "
        "hiện tại: chưa được người hướng dẫn đánh giá."]
    from mentoring.cases import services as cases
    case = gen_case(group, people["commune"][0])
    cases.add_reply(case, district, "Tăng liều amlodipine.")
    sessions_stand_in.record(2, district, minutes=300, duration=300)
    from mentoring.competency import assessments
    assessments.assess(people["mentor"], district, {"competency": "FM-HTN", "level": 3})
    db.session.commit()
    progress = programmes.evaluate(district, programme)
    assert progress.missing == [] and progress.status == "certified"


def test_audience_by_tier_group_and_province(loaded):
    group, people = gen_group(name="Nhóm thí điểm")
    doc = dict(CUSTOM, code="pilot", audience={"tiers": ["commune"], "groups": ["Nhóm thí điểm"],
                                                "provinces": [25]})
    [programme] = programmes.import_programmes([doc])
    assert programmes.in_audience(people["commune"][0], programme)
    assert not programmes.in_audience(people["district"][0], programme)
    assert not programmes.in_audience(gen_user(), programme)            # commune worker, no group
    assert not programmes.in_audience(people["mentor"], programme)
    assert programme in programmes.programmes_for(people["commune"][0])


def test_bad_programme_data_is_refused(loaded):
    bad = dict(CUSTOM, code="bad", validity_days=0,
               requirements={"hours": {"required": -1, "window_days": 10, "caps": {"gossip": 3}}})
    with pytest.raises(ValidationFailed) as err:
        programmes.import_programmes([bad])
    assert {"validity_days", "requirements.hours.required", "requirements.hours.caps"} <= set(err.value.fields)
