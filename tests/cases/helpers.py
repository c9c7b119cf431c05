"""Builders for case tests."""
from mentoring.cases import services

SMALLEST = {"age_years": 54, "sex": "female", "complaint": "Đau đầu, chóng mặt 3 ngày",
            "question": "Có nên tăng liều amlodipine không?", "urgency": "routine",
            "icd10": ["I10"], "vitals": {"systolic": 172, "diastolic": 104, "pulse": 88},
            "patient_consent": True}


def case_body(group, **over) -> dict:
    return {**SMALLEST, "group_id": group.id, **over}


def gen_case(group, asker, draft: bool = False, **over):
    data = {**SMALLEST, **over}
    return services.create_case(asker, group, data, draft=draft)
