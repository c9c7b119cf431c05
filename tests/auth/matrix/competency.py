"""Competency: progress pages, assessments, outside courses, certificates
(group A's commune worker holds one), badges, dashboard, readiness, frameworks."""
from tests.auth.matrix import EVERYONE, NOBODY, STAFF, USERS, Row, rows
from tests.auth.matrix.world import png_bytes

OWNER = frozenset({"commune"})
MENTORS_OF_COMMUNE = frozenset({"doctor"})
SEES_PROGRESS = OWNER | MENTORS_OF_COMMUNE | STAFF
WORKERS = frozenset({"commune", "district", "provincial", "other"})
COURSE = {"title": "Khóa học tăng huyết áp", "provider": "Bệnh viện Bạch Mai", "started_on": "2026-09-01",
          "ended_on": "2026-09-02", "hours": 8}

ROWS = rows([
    ("GET", "/progress", "/progress", USERS),  # one's own page (empty for those not training)
    ("GET", "/workers/<int:user_id>/progress", "/workers/{user_commune}/progress", SEES_PROGRESS),
    ("GET", "/workers/<int:user_id>/progress", "/workers/{user_other}/progress", STAFF | {"other"}),
    ("GET", "/workers/<int:user_id>/progress", "/workers/{missing}/progress", NOBODY),
    # the worker's mentor, and the worker rating themself (a self-assessment)
    ("POST", "/workers/<int:user_id>/assessments", "/workers/{user_commune}/assessments",
     MENTORS_OF_COMMUNE | OWNER, {"competency": "NCD.HTN", "level": 3}),
    ("POST", "/workers/<int:user_id>/certificates", "/workers/{user_commune}/certificates", STAFF),
    ("GET", "/certificates/<code>", "/certificates/{cert_a}", EVERYONE),
    ("GET", "/certificates/<code>", "/certificates/KHONG-CO-MA-NAY", NOBODY),
    ("GET", "/certificates/<code>/pdf", "/certificates/{cert_a}/pdf", SEES_PROGRESS),
    ("GET", "/certificates/<code>/pdf", "/certificates/KHONG-CO-MA-NAY/pdf", NOBODY),
    ("GET", "/certificates/<code>/assertion.json", "/certificates/{cert_a}/assertion.json", EVERYONE),
    ("POST", "/certificates/<code>/revoke", "/certificates/{cert_a}/revoke", STAFF, {"reason": "Cấp nhầm."}),
    ("GET", "/badges/issuer.json", "/badges/issuer.json", EVERYONE),
    ("GET", "/badges/<code>.json", "/badges/{programme}.json", EVERYONE),
    ("GET", "/badges/<code>.svg", "/badges/{programme}.svg", EVERYONE),
    ("GET", "/competency/dashboard", "/competency/dashboard", STAFF),
    ("GET", "/competency/dashboard.csv", "/competency/dashboard.csv", STAFF),
    ("GET", "/competency/dashboard.xlsx", "/competency/dashboard.xlsx", STAFF),
    ("GET", "/competency/readiness", "/competency/readiness", STAFF),
    ("POST", "/competency/readiness", "/competency/readiness", STAFF),
    ("GET", "/competency/readiness/<int:facility_id>", "/competency/readiness/{rollout_facility}", STAFF),
    ("GET", "/competency/readiness/<int:facility_id>", "/competency/readiness/{missing}", NOBODY),
    ("POST", "/competency/readiness/<int:facility_id>", "/competency/readiness/{rollout_facility}", STAFF),
    ("GET", "/competency/courses", "/competency/courses", STAFF),
    ("POST", "/competency/courses/<int:course_id>/decision", "/competency/courses/{course_a}/decision", STAFF,
     {"approve": "false", "reason": "Thiếu chứng nhận."}),
    ("GET", "/competency/courses/<int:course_id>/file", "/competency/courses/{course_a}/file", OWNER | STAFF),
    ("GET", "/competency/courses/<int:course_id>/file", "/competency/courses/{missing}/file", NOBODY),
    ("GET", "/competency/frameworks", "/competency/frameworks", USERS),
    ("GET", "/competency/frameworks/<code>.<any(json, csv):fmt>", "/competency/frameworks/{framework}.csv", USERS),
    ("GET", "/api/v1/workers/<int:user_id>/progress", "/api/v1/workers/{user_commune}/progress", SEES_PROGRESS),
    ("GET", "/api/v1/workers/<int:user_id>/progress", "/api/v1/workers/{missing}/progress", NOBODY),
    ("POST", "/api/v1/workers/<int:user_id>/assessments", "/api/v1/workers/{user_commune}/assessments",
     MENTORS_OF_COMMUNE | OWNER, {"competency": "NCD.HTN", "level": 3}),
    ("POST", "/api/v1/workers/<int:user_id>/certificates", "/api/v1/workers/{user_commune}/certificates", STAFF,
     {"programme": "{programme}", "reason": "Đủ điều kiện."}),
    ("GET", "/api/v1/certificates/<code>", "/api/v1/certificates/{cert_a}", EVERYONE),
    ("GET", "/api/v1/certificates/<code>", "/api/v1/certificates/KHONG-CO-MA-NAY", NOBODY),
    ("POST", "/api/v1/certificates/<code>/revoke", "/api/v1/certificates/{cert_a}/revoke", STAFF,
     {"reason": "Cấp nhầm."}),
    ("POST", "/api/v1/outside-courses/<int:course_id>/decision", "/api/v1/outside-courses/{course_a}/decision",
     STAFF, {"approve": False, "reason": "Thiếu chứng nhận."}),
    ("GET", "/api/v1/ehr-rollouts", "/api/v1/ehr-rollouts", STAFF),
    ("POST", "/api/v1/ehr-rollouts", "/api/v1/ehr-rollouts", STAFF,
     {"facility_id": "{facility_a}", "go_live_on": "2027-03-01"}),
]) + [
    Row("POST", "/progress/courses", "/progress/courses", WORKERS, body=COURSE,
        files={"certificate": (png_bytes(), "chung-nhan.png")}),
    Row("POST", "/api/v1/outside-courses", "/api/v1/outside-courses", WORKERS, body=COURSE,
        files={"file": (png_bytes(), "chung-nhan.png")}),
]
