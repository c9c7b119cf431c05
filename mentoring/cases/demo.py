"""Demo cases in group A, de-identified, in Vietnamese: one waiting, one
answered, one closed with its coded outcome, and a hypertension follow-up
(three readings, the current drugs) of the answered one. Idempotent: a case
is found again by its asker and complaint, so a second seed-demo adds nothing."""
from datetime import timedelta

from sqlalchemy import select

from mentoring import clock
from mentoring.auth.models import User
from mentoring.cases import outcomes, services
from mentoring.cases.models import Case
from mentoring.extensions import db

CASES = [
    {"key": "waiting", "asker": "commune@demo.test",
     "data": {"age_years": 62, "sex": "male", "urgency": "urgent",
              "complaint": "Đau đầu vùng chẩm, nhìn mờ từ sáng nay",
              "history": "Tăng huyết áp 5 năm, bỏ thuốc 2 tuần nay. Hút thuốc lá 20 bao-năm.",
              "examination": "Tỉnh, không yếu liệt chi. Tim đều.",
              "question": "Có cần chuyển tuyến ngay không, hay hạ áp tại trạm rồi theo dõi?",
              "icd10": ["I10"], "vitals": {"systolic": 186, "diastolic": 112, "pulse": 96,
                                           "spo2": 97, "temperature": 36.8},
              "patient_consent": True},
     "replies": [], "answered": False, "outcome": None},
    {"key": "answered", "asker": "commune@demo.test",
     "data": {"age_years": 54, "sex": "female", "pregnancy": "not_pregnant", "urgency": "routine",
              "complaint": "Đau đầu, chóng mặt 3 ngày",
              "history": "Tăng huyết áp 2 năm, đang dùng amlodipine 5 mg/ngày.",
              "question": "Có nên tăng liều amlodipine không?",
              "icd10": ["I10"], "vitals": {"systolic": 172, "diastolic": 104, "pulse": 88,
                                           "weight": 61, "height": 155},
              "patient_consent": True},
     "replies": [("district@demo.test", "Nên tăng amlodipine lên 10 mg/ngày, hẹn đo lại huyết áp "
                                        "sau 2 tuần. Hướng dẫn giảm muối, tập thể dục.", True)],
     "answered": True, "outcome": None},
    {"key": "closed", "asker": "commune@demo.test",
     "data": {"age_years": 58, "sex": "female", "pregnancy": "not_pregnant", "urgency": "routine",
              "complaint": "Khát nhiều, tiểu nhiều, sụt 3 kg trong 2 tháng",
              "history": "Đái tháo đường típ 2 phát hiện 1 năm, dùng metformin 500 mg x 2 lần/ngày.",
              "question": "Đường huyết lúc đói vẫn cao, có nên thêm thuốc thứ hai không?",
              "icd10": ["E11.9"], "vitals": {"glucose": 11.8, "systolic": 138, "diastolic": 84,
                                             "weight": 64, "height": 152},
              "patient_consent": True},
     "replies": [("district@demo.test", "Kiểm tra tuân thủ và chế độ ăn trước; tăng metformin "
                                        "lên 1000 mg x 2 nếu dung nạp tốt.", False),
                 ("doctor@demo.test", "Đồng ý. Nếu sau 3 tháng HbA1c > 7%, cân nhắc thêm "
                                      "sulfonylurea. Khám mắt và chức năng thận.", True)],
     "answered": True,
     "outcome": "Sau 1 tháng đường huyết lúc đói 7,2 mmol/L, bệnh nhân dung nạp tốt, tiếp tục theo dõi.",
     "outcome_code": "managed_at_station"},
    {"key": "follow_up", "asker": "commune@demo.test", "follow_up_of": "answered",
     "data": {"age_years": 54, "sex": "female", "pregnancy": "not_pregnant", "urgency": "routine",
              "complaint": "Tái khám tăng huyết áp sau tăng liều amlodipine",
              "history": "Đã tăng amlodipine lên 10 mg/ngày theo hướng dẫn, không phù chân.",
              "question": "Huyết áp chưa đạt mục tiêu, có nên thêm losartan không?",
              "icd10": ["I10"], "vitals": {"systolic": 148, "diastolic": 92, "pulse": 80},
              "patient_consent": True},
     "ncd": {"kind": "hypertension", "adherence": "good", "complications_screened": ["ecg", "creatinine"],
             "readings": [(28, 162, 98), (14, 152, 94), (1, 148, 92)],
             "medications": [{"name": "Amlodipine", "dose": "10 mg", "frequency": "1 lần/ngày, buổi sáng"}]},
     "replies": [], "answered": False, "outcome": None},
]


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).unique().scalar_one()


def _ncd(spec: dict) -> dict | None:
    if "ncd" not in spec:
        return None
    today = clock.now().date()
    readings = [{"taken_on": today - timedelta(days=ago), "systolic": sbp, "diastolic": dbp}
                for ago, sbp, dbp in spec["ncd"]["readings"]]
    return {**spec["ncd"], "readings": readings}


def seed(groups: dict) -> list[str]:
    group = groups["A"]
    added = 0
    made: dict = {}
    for spec in CASES:
        asker = _user(spec["asker"])
        found = db.session.execute(select(Case.id).where(
            Case.asker_id == asker.id, Case.group_id == group.id,
            Case.complaint == spec["data"]["complaint"])).scalar()
        if found:
            made[spec["key"]] = found
            continue
        data = {**spec["data"], "ncd": _ncd(spec), "follow_up_of": made.get(spec.get("follow_up_of"))}
        case = services.create_case(asker, group, data)
        made[spec["key"]] = case.id
        for email, body, recommended in spec["replies"]:
            services.add_reply(case, _user(email), body, recommendation=recommended)
        if spec["answered"]:
            outcomes.confirm_answered(case, asker)
        if spec["outcome"]:
            outcomes.close_case(case, asker, spec["outcome"], code=spec.get("outcome_code"))
        added += 1
    db.session.flush()
    return [f"cases: {added} demo cases added to {group.name}"]
