from datetime import date

import pytest
from sqlalchemy import func, select

from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db
from mentoring.org import services
from mentoring.org.composition import composition
from mentoring.org.models import Commune, Facility, GroupMembership, Province
from tests.factories import gen_group, gen_user


def test_admin_units_come_from_the_package_and_reimport_is_idempotent():
    count = lambda model: db.session.execute(select(func.count()).select_from(model)).scalar()
    assert (count(Province), count(Commune)) == (34, 3321)
    assert services.import_admin_units() == (34, 3321)
    assert db.session.get(Province, 1).name == "Thành phố Hà Nội"


class TestFacilities:
    def test_province_must_exist(self):
        with pytest.raises(ValidationFailed) as err:
            services.create_facility(name="Trạm Y tế Mới", kind="provincial_hospital", province_code=999)
        assert "province_code" in err.value.fields
        assert db.session.execute(select(Facility).where(Facility.name == "Trạm Y tế Mới")).first() is None

    def test_commune_must_be_in_the_province(self):
        hanoi_commune = db.session.execute(select(Commune.code).where(Commune.province_code == 1)).scalars().first()
        with pytest.raises(ValidationFailed) as err:
            services.create_facility(name="Trạm X", kind="commune_health_station", province_code=25,
                                     commune_code=hanoi_commune)
        assert "commune_code" in err.value.fields

    def test_station_needs_a_commune_and_kind_sets_the_tier(self):
        with pytest.raises(ValidationFailed):
            services.create_facility(name="Trạm Y", kind="commune_health_station", province_code=25)
        centre = services.create_facility(name="Trung tâm Y tế khu vực Thanh Ba",
                                          kind="regional_health_centre", province_code=25, area="Thanh Ba")
        assert centre.tier_code == "district" and centre.area == "Thanh Ba"

    def test_duplicate_name_in_province_is_a_conflict(self):
        services.create_facility(name="BV A", kind="provincial_hospital", province_code=25)
        with pytest.raises(Conflict):
            services.create_facility(name="BV A", kind="provincial_hospital", province_code=25)
        services.create_facility(name="BV A", kind="provincial_hospital", province_code=82)  # other province: fine

    def test_search_by_name_commune_province_and_tier(self):
        services.create_facility(name="Bệnh viện Đa khoa Tìm Thấy", kind="provincial_hospital", province_code=82)
        found = services.search_facilities("tìm thấy")
        assert [f.name for f in found.items] == ["Bệnh viện Đa khoa Tìm Thấy"]
        assert services.search_facilities("tìm thấy", province_code=25).total == 0
        assert services.search_facilities("tìm thấy", tier_code="commune").total == 0


class TestGroups:
    def test_complete_group(self):
        group, people = gen_group()
        comp = composition(group)
        assert comp.complete and comp.mentor == people["mentor"]
        assert comp.counts == {"provincial": 4, "district": 4, "commune": 2}

    def test_incomplete_group_says_what_is_missing(self):
        group, _ = gen_group(complete=False)
        comp = composition(group)
        assert not comp.complete
        assert comp.missing == {"provincial": 3, "district": 3, "commune": 1}

    def test_minimum_is_configuration(self, app):
        group, _ = gen_group()
        app.config["MENTORING_GROUP_MINIMUM"] = {"provincial": 4, "district": 4, "commune": 3}
        try:
            assert composition(group).missing == {"commune": 1}
        finally:
            app.config["MENTORING_GROUP_MINIMUM"] = {"provincial": 4, "district": 4, "commune": 2}

    def test_member_at_the_wrong_tier_is_refused(self):
        group, _ = gen_group(complete=False)
        commune_worker = gen_user("worker", "commune")
        with pytest.raises(ValidationFailed) as err:
            services.add_member(group, commune_worker, tier_code="district")
        assert "tier_code" in err.value.fields

    def test_mentor_must_be_central_doctor_and_members_must_be_workers(self):
        with pytest.raises(ValidationFailed):
            services.create_group(name="G", mentor=gen_user("worker", "provincial"))
        group, _ = gen_group(complete=False)
        with pytest.raises(ValidationFailed):
            services.add_member(group, gen_user("mentor"), tier_code="provincial")

    def test_same_person_twice_is_a_conflict_but_may_be_in_several_groups(self):
        group_a, people = gen_group()
        group_b, _ = gen_group(complete=False)
        worker = people["commune"][0]
        with pytest.raises(Conflict):
            services.add_member(group_a, worker, tier_code="commune")
        services.add_member(group_b, worker, tier_code="commune")
        assert composition(group_b).counts["commune"] == 2

    def test_leaving_keeps_history_and_rejoining_works(self):
        group, people = gen_group()
        worker = people["commune"][0]
        membership = next(m for m in group.memberships if m.user_id == worker.id)
        services.remove_member(membership, left_on=date.today())
        assert not composition(group).complete
        services.add_member(group, worker, tier_code="commune")
        rows = db.session.execute(select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == worker.id)).scalars().all()
        assert len(rows) == 2 and sum(r.left_on is None for r in rows) == 1

    def test_mentor_cannot_leave(self):
        group, _ = gen_group()
        with pytest.raises(ValidationFailed):
            services.remove_member(next(m for m in group.memberships if m.role == "mentor"))

    def test_supervision_goes_down_the_tiers_within_the_group(self):
        group, people = gen_group()
        by_user = {m.user_id: m for m in group.memberships}
        provincial = by_user[people["provincial"][0].id]
        district = by_user[people["district"][0].id]
        commune = by_user[people["commune"][0].id]
        services.set_supervisor(commune, provincial)
        services.set_supervisor(district, provincial)
        assert commune.supervisor == provincial
        with pytest.raises(ValidationFailed):
            services.set_supervisor(provincial, commune)  # upward
        other_group, other = gen_group()
        outsider = next(m for m in other_group.memberships if m.user_id == other["provincial"][0].id)
        with pytest.raises(ValidationFailed):
            services.set_supervisor(commune, outsider)
        services.remove_member(provincial)
        assert commune.supervisor_id is None
