"""Demo competency data (after the sessions demo, when there is one): the two
frameworks and two programmes, assessments by each group's doctor, approved
outside courses, commune@demo.test holding a valid "ready for the electronic
health record" certificate (and 90 of the 120 continuing-training hours),
a spread of certified, in-progress, at-risk and lapsed workers, and EHR
go-live dates for group A's facilities. Idempotent: rows are found again by
their natural keys and a second run adds nothing."""
import io
from datetime import timedelta

from sqlalchemy import select

from mentoring import clock, uploads
from mentoring.auth.models import User
from mentoring.competency import assessments, certificates, frameworks, ledger, programmes, readiness
from mentoring.competency.models import Assessment, Certificate, EhrRollout, OutsideCourse
from mentoring.extensions import db

# (e-mail, [(title, provider, days ago it ended, days long, hours)])
COURSES = {
    "commune@demo.test": [
        ("Quản lý tăng huyết áp và đái tháo đường tại trạm y tế xã", "Trường Đại học Y Hà Nội", 700, 5, 40),
        ("Y học gia đình cơ bản cho nhân viên y tế tuyến xã", "Bệnh viện Bạch Mai", 200, 10, 50),
    ],
    "provincial@demo.test": [
        ("Cấp cứu ban đầu và hồi sinh tim phổi", "Bệnh viện Bạch Mai", 900, 10, 60),
        ("Sử dụng kháng sinh hợp lý trong thực hành lâm sàng", "Cục Quản lý Khám, chữa bệnh", 300, 10, 65),
    ],
    "district@demo.test": [("Quản lý bệnh phổi tắc nghẽn mạn tính và hen", "Bệnh viện Phổi Trung ương", 150, 8, 60)],
    "district-a2@demo.test": [("Tiêm chủng an toàn", "Trung tâm Kiểm soát bệnh tật tỉnh Phú Thọ", 1100, 3, 10)],
    "commune-a2@demo.test": [("Chăm sóc sức khỏe bà mẹ và trẻ em", "Bệnh viện Đa khoa tỉnh Phú Thọ", 90, 5, 30)],
    "provincial-b1@demo.test": [("Y học gia đình nâng cao", "Bệnh viện Chợ Rẫy", 400, 20, 130)],
    "district-b1@demo.test": [("Sàng lọc trầm cảm và lo âu tại cộng đồng", "Bệnh viện Chợ Rẫy", 60, 6, 36)],
    "commune2@demo.test": [("Truyền thông giáo dục sức khỏe", "Trung tâm Y tế khu vực Cao Lãnh", 1300, 2, 12)],
}

# Lapsed: a certificate that expired, and too few hours since (e-mail, days ago issued).
LAPSED = [("provincial-a2@demo.test", 2000), ("district-b2@demo.test", 1900)]

# Workers rated "competent" or above on every EHR competency by their group's doctor.
EHR_READY = ["commune@demo.test", "district@demo.test", "provincial-b1@demo.test"]

# Group A's facilities: (facility name, days from today to go-live).
GO_LIVE = [("Trạm Y tế xã Hy Cương", 20), ("Trạm Y tế xã Lâm Thao", 20),
           ("Trung tâm Y tế khu vực Lâm Thao", -10), ("Bệnh viện Đa khoa tỉnh Phú Thọ", 120),
           ("Trung tâm Y tế khu vực Cao Lãnh", 75)]

SELF_RATINGS = {"FM-HTN": (3, 2), "FM-T2D": (3, 3), "FM-IMCI": (2, None), "FM-EMG": (3, 2)}


def _user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).unique().scalar_one_or_none()


def _image() -> io.BytesIO:
    from PIL import Image, ImageDraw
    picture = Image.new("RGB", (480, 320), (250, 248, 240))
    ImageDraw.Draw(picture).rectangle((20, 20, 460, 300), outline=(11, 61, 107), width=6)
    out = io.BytesIO()
    picture.save(out, "PNG")
    out.seek(0)
    return out


def _courses(coordinator) -> int:
    added = 0
    today = clock.now().date()
    for email, items in COURSES.items():
        user = _user(email)
        if user is None:
            continue
        for title, provider, ago, days, hours in items:
            if db.session.execute(select(OutsideCourse.id).where(OutsideCourse.user_id == user.id,
                                                                 OutsideCourse.title == title)).first():
                continue
            ended = today - timedelta(days=ago)
            clean = uploads.read_upload(_image())
            name, _thumb = uploads.store(clean, prefix="course-")
            course = OutsideCourse(user_id=user.id, title=title, provider=provider,
                                   started_on=ended - timedelta(days=days - 1), ended_on=ended, hours=hours,
                                   stored_name=name, content_type=clean.content_type, status="pending",
                                   created_at=clock.now())
            db.session.add(course)
            db.session.flush()
            from mentoring.competency.courses import decide_course
            decide_course(course, coordinator, approve=True)
            added += 1
    return added


def _mentor_of(user) -> User | None:
    from mentoring.org.models import GroupMembership
    led = select(GroupMembership.group_id).where(GroupMembership.user_id == user.id,
                                                 GroupMembership.left_on.is_(None))
    return db.session.execute(select(User).join(GroupMembership, GroupMembership.user_id == User.id).where(
        GroupMembership.group_id.in_(led), GroupMembership.role == "mentor",
        GroupMembership.left_on.is_(None)).limit(1)).unique().scalar_one_or_none()


def _rate(assessor, worker, code: str, level: int, days_ago: int) -> bool:
    comp = db.session.execute(select(frameworks.Competency).where(frameworks.Competency.code == code)
                              ).unique().scalar_one()
    if db.session.execute(select(Assessment.id).where(Assessment.user_id == worker.id,
                                                      Assessment.competency_id == comp.id,
                                                      Assessment.assessor_id == assessor.id)).first():
        return False
    assessments.assess(assessor, worker, {"competency": code, "level": level, "evidence_kind": "observation",
                                          "assessed_on": clock.now().date() - timedelta(days=days_ago),
                                          "note": "Quan sát trực tiếp tại buổi khám."})
    return True


def _assessments() -> int:
    added = 0
    ehr = frameworks.competencies_of("ehr-rollout")
    for email in EHR_READY:
        worker = _user(email)
        mentor = _mentor_of(worker) if worker else None
        if mentor is None:
            continue
        for i, comp in enumerate(ehr):
            if worker.tier_code in comp.tiers:
                added += _rate(mentor, worker, comp.code, 3 + (i % 2), 30 + i)
    commune = _user("commune@demo.test")
    doctor = _mentor_of(commune) if commune else None
    if commune and doctor:
        for code, (own, mentor_level) in SELF_RATINGS.items():
            added += _rate(commune, commune, code, own, 14)
            if mentor_level:
                added += _rate(doctor, commune, code, mentor_level, 10)
    return added


def _lapsed() -> int:
    programme = programmes.default_programme()
    added = 0
    for email, ago in LAPSED:
        user = _user(email)
        if user is None or db.session.execute(select(Certificate.id).where(
                Certificate.user_id == user.id, Certificate.programme_id == programme.id)).first():
            continue
        certificates.issue_certificate(user, programme, hours=122,
                                       issued_on=clock.now().date() - timedelta(days=ago))
        added += 1
    return added


def _rollouts(coordinator) -> int:
    from mentoring.org.models import Facility
    added = 0
    for name, days in GO_LIVE:
        facility = db.session.execute(select(Facility).where(Facility.name == name)).unique().scalar_one_or_none()
        if facility is None or db.session.execute(select(EhrRollout.id).where(
                EhrRollout.facility_id == facility.id)).first():
            continue
        readiness.set_go_live(facility, clock.now().date() + timedelta(days=days), coordinator,
                              "Kế hoạch triển khai hồ sơ sức khỏe điện tử của tỉnh")
        added += 1
    return added


def prepare() -> None:
    """The shipped frameworks and programmes, before the other demos run."""
    frameworks.load_shipped()
    programmes.load_shipped()


def seed(groups: dict) -> list[str]:
    loaded = frameworks.load_shipped()
    progs = programmes.load_shipped()
    coordinator = _user("coordinator@demo.test")
    courses = _courses(coordinator)
    rated = _assessments()
    lapsed = _lapsed()
    rollouts = _rollouts(coordinator)
    workers = db.session.execute(select(User.id).where(User.role == "worker", User.email.like("%@demo.test"))
                                 ).scalars().all()
    ledger.resync_users(workers)
    issued = certificates.issue_if_met(workers)
    db.session.flush()
    return [f"competency: {len(loaded)} frameworks, {len(progs)} programmes, {courses} outside courses, "
            f"{rated} assessments, {lapsed} lapsed and {len(issued)} new certificates, {rollouts} EHR go-live dates"]
