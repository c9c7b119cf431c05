"""`flask --app wsgi seed-demo`: the demo of docs/api.md, idempotent.

Two complete 1-4-4-2 groups on real places: group A around Bach Mai Hospital
supporting Phú Thọ, group B around Chợ Rẫy Hospital supporting Đồng Tháp.
Running it again finds what exists (by e-mail, facility name, group name)
and adds only what is missing."""
from sqlalchemy import func, select

from mentoring.auth import services as auth_services
from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.org import services as org
from mentoring.org.composition import composition
from mentoring.org.models import Commune, Facility, GroupMembership, MentoringGroup, Province

PASSWORD = "demo-password"

# (province code, facility kind, facility name, commune code or None, area)
FACILITIES = {
    "bach_mai": (1, "central_hospital", "Bệnh viện Bạch Mai", None, None),
    "cho_ray": (79, "central_hospital", "Bệnh viện Chợ Rẫy", None, None),
    "phu_tho_hospital": (25, "provincial_hospital", "Bệnh viện Đa khoa tỉnh Phú Thọ", None, None),
    "lam_thao_centre": (25, "regional_health_centre", "Trung tâm Y tế khu vực Lâm Thao", None,
                        "Lâm Thao, Phù Ninh"),
    "hy_cuong_station": (25, "commune_health_station", "Trạm Y tế xã Hy Cương", 8515, None),
    "lam_thao_station": (25, "commune_health_station", "Trạm Y tế xã Lâm Thao", 8494, None),
    "dong_thap_hospital": (82, "provincial_hospital", "Bệnh viện Đa khoa tỉnh Đồng Tháp", None, None),
    "cao_lanh_centre": (82, "regional_health_centre", "Trung tâm Y tế khu vực Cao Lãnh", None,
                        "Cao Lãnh, Tháp Mười"),
}

# Two stations in Đồng Tháp are chosen from the imported communes (see _dong_thap_stations).

GROUP_A = "Nhóm 1-4-4-2 Bạch Mai – Phú Thọ"
GROUP_B = "Nhóm 1-4-4-2 Chợ Rẫy – Đồng Tháp"

VI_NAMES = ["Nguyễn Thị Hoa", "Trần Văn Minh", "Lê Thị Lan", "Phạm Quốc Bảo", "Hoàng Thị Mai",
            "Vũ Đức Thắng", "Đặng Thị Thu", "Bùi Văn Nam", "Đỗ Thị Hằng", "Ngô Văn Khải",
            "Dương Thị Yến", "Lý Văn Phúc", "Trịnh Thị Ngọc", "Phan Văn Tài", "Hồ Thị Xuân",
            "Mai Văn Sơn", "Cao Thị Diệu", "Tạ Văn Hùng", "Lưu Thị Thảo", "Châu Văn Lộc",
            "Kiều Thị Nga", "Đinh Văn Toàn"]


def seed() -> list[str]:
    if not db.session.execute(select(func.count()).select_from(Province)).scalar():
        org.import_admin_units()
    facilities = {key: _facility(*spec) for key, spec in FACILITIES.items()}
    facilities.update(_dong_thap_stations())
    names = iter(VI_NAMES)

    def person(email, role, tier, facility_key, name=None):
        # next(names) runs on every call, so each e-mail keeps its name across re-runs.
        generated = next(names, email.split("@")[0])
        return _user(email, name or generated, role, tier, facilities[facility_key].id)

    _user("admin@demo.test", "Quản trị viên", "admin", None, None)
    _user("coordinator@demo.test", "Điều phối viên đào tạo", "coordinator", None, None)

    doctor = person("doctor@demo.test", "mentor", "central", "bach_mai", "BS. Nguyễn Văn An")
    group_a = _group(GROUP_A, doctor, [
        person("provincial@demo.test", "worker", "provincial", "phu_tho_hospital"),
        *[person(f"provincial-a{i}@demo.test", "worker", "provincial", "phu_tho_hospital")
          for i in (2, 3, 4)],
        person("district@demo.test", "worker", "district", "lam_thao_centre"),
        *[person(f"district-a{i}@demo.test", "worker", "district", "lam_thao_centre")
          for i in (2, 3, 4)],
        person("commune@demo.test", "worker", "commune", "hy_cuong_station"),
        person("commune-a2@demo.test", "worker", "commune", "lam_thao_station"),
    ])
    doctor2 = person("doctor2@demo.test", "mentor", "central", "cho_ray", "BS. Trần Thị Bình")
    group_b = _group(GROUP_B, doctor2, [
        *[person(f"provincial-b{i}@demo.test", "worker", "provincial", "dong_thap_hospital")
          for i in (1, 2, 3, 4)],
        *[person(f"district-b{i}@demo.test", "worker", "district", "cao_lanh_centre")
          for i in (1, 2, 3, 4)],
        person("commune2@demo.test", "worker", "commune", "dong_thap_station_1"),
        person("commune-b2@demo.test", "worker", "commune", "dong_thap_station_2"),
    ])
    db.session.flush()
    lines = []
    for group in (group_a, group_b):
        comp = composition(org.get_group(group.id))
        lines.append(f"{group.name}: mentor {comp.mentor.email}, {comp.counts}, "
                     f"{'complete' if comp.complete else 'INCOMPLETE'}")
    # Each domain with demo content (cases, chat, ...) adds it in its own demo.py:
    # seed(groups: dict[str, MentoringGroup]) -> list[str], idempotent like this one.
    from mentoring import DOMAINS, _optional
    modules = [m for m in (_optional(f"mentoring.{d}.demo") for d in DOMAINS) if m is not None]
    # Reference data first (frameworks, ...), so a demo seeded earlier in the
    # order (sessions) can already point at it (competency codes).
    for module in modules:
        if hasattr(module, "prepare"):
            module.prepare()
    for module in modules:
        lines.extend(module.seed({"A": group_a, "B": group_b}))
    lines.append(f"demo accounts use the password {PASSWORD!r}")
    return lines


def _facility(province_code, kind, name, commune_code, area) -> Facility:
    found = db.session.execute(select(Facility).where(
        Facility.name == name, Facility.province_code == province_code)).unique().scalar_one_or_none()
    return found or org.create_facility(name=name, kind=kind, province_code=province_code,
                                        commune_code=commune_code, area=area)


def _dong_thap_stations() -> dict:
    communes = db.session.execute(select(Commune).where(
        Commune.province_code == 82, Commune.division_type == "xã").order_by(Commune.code).limit(2)
    ).scalars().all()
    return {f"dong_thap_station_{i}": _facility(82, "commune_health_station",
                                                f"Trạm Y tế {c.name}", c.code, None)
            for i, c in enumerate(communes, start=1)}


def _user(email, full_name, role, tier, facility_id) -> User:
    found = db.session.execute(select(User).where(User.email == email)).unique().scalar_one_or_none()
    if found is not None:
        return found
    return auth_services.create_user(email=email, full_name=full_name, password=PASSWORD, role=role,
                                     tier_code=tier, facility_id=facility_id, language="vi",
                                     known_demo_password=True)


def _group(name, mentor, members) -> MentoringGroup:
    group = db.session.execute(select(MentoringGroup).where(MentoringGroup.name == name)
                               ).scalar_one_or_none()
    if group is None:
        group = org.create_group(name=name, mentor=mentor,
                                 description="Nhóm hỗ trợ chuyên môn theo mô hình 1-4-4-2")
    current = {m.user_id for m in db.session.execute(select(GroupMembership).where(
        GroupMembership.group_id == group.id, GroupMembership.left_on.is_(None))).unique().scalars()}
    for member in members:
        if member.id not in current:
            org.add_member(group, member, tier_code=member.tier_code)
    return group
