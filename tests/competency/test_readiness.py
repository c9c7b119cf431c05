"""EHR roll-out readiness per facility, per province and nationally; the
coordinator alerts of CONTRACTS.md."""
from datetime import timedelta

from sqlalchemy import select

from mentoring import clock
from mentoring.competency import readiness, services
from mentoring.competency.models import EhrRollout, EhrRolloutStaff
from mentoring.extensions import db
from tests.competency.helpers import approved_course, rate_all
from tests.factories import gen_facility, gen_group, gen_user, login


def _plan(facility, days, coordinator):
    readiness.set_go_live(facility, clock.now().date() + timedelta(days=days), coordinator)
    db.session.commit()


def test_states_by_facility_province_and_nation(loaded):
    group, people = gen_group()
    coordinator = gen_user("coordinator")
    mentor = people["mentor"]
    commune_station = people["commune"][0].facility          # both commune workers work here
    district_centre = people["district"][0].facility         # four district workers
    provincial = people["provincial"][0].facility
    other_province = gen_facility("commune", province_code=82)
    for worker in people["commune"]:
        rate_all(mentor, worker, "ehr-rollout")               # the station is fully certified
    rate_all(mentor, people["district"][0], "ehr-rollout")    # one of four at the centre
    _plan(commune_station, 10, coordinator)
    _plan(district_centre, 10, coordinator)
    _plan(provincial, -3, coordinator)
    _plan(other_province, 90, coordinator)
    rows = {r.facility_id: r for r in readiness.facilities()}
    assert (rows[commune_station.id].staff, rows[commune_station.id].ready, rows[commune_station.id].state) == \
        (2, 2, "ready")
    assert (rows[district_centre.id].staff, rows[district_centre.id].ready, rows[district_centre.id].state) == \
        (4, 1, "at_risk")
    assert rows[provincial.id].state == "late"
    assert (rows[other_province.id].staff, rows[other_province.id].state) == (0, "on_track")
    nation, provinces = readiness.summarise(list(rows.values()))
    assert dict(nation.counts) == {"ready": 1, "at_risk": 1, "late": 1, "on_track": 1}
    assert {p.key: p.facilities for p in provinces} == {25: 3, 82: 1}
    assert services.coordinator_alerts()["facilities_at_risk"] == 1


def test_named_staff_replace_the_default(loaded):
    group, people = gen_group()
    coordinator = gen_user("coordinator")
    centre = people["district"][0].facility
    _plan(centre, 5, coordinator)
    rollout = db.session.execute(select(EhrRollout).where(EhrRollout.facility_id == centre.id)).scalar_one()
    db.session.add(EhrRolloutStaff(rollout_id=rollout.id, user_id=people["district"][0].id))
    db.session.commit()
    rate_all(people["mentor"], people["district"][0], "ehr-rollout")
    [row] = [r for r in readiness.facilities() if r.facility_id == centre.id]
    assert (row.staff, row.ready, row.state) == (1, 1, "ready")


def test_certificates_expiring_alert(loaded):
    worker, coordinator = gen_user(), gen_user("coordinator")
    approved_course(worker, coordinator, hours=120, days_ago=5)
    assert services.coordinator_alerts()["certificates_expiring"] == 0
    clock.freeze(clock.now() + timedelta(days=1826 - 30))
    assert services.coordinator_alerts()["certificates_expiring"] == 1


def test_readiness_page(client, loaded):
    group, people = gen_group()
    coordinator = gen_user("coordinator")
    login(client, coordinator)
    facility = people["commune"][0].facility
    r = client.post("/competency/readiness", data={"facility_id": str(facility.id), "go_live_on": "not a date"})
    assert r.status_code == 422 and "Nhập ngày." in r.get_data(as_text=True)
    day = clock.now().date() + timedelta(days=12)
    r = client.post("/competency/readiness", data={"facility_id": str(facility.id), "go_live_on": day.isoformat()})
    assert r.status_code == 302
    page = client.get("/competency/readiness").get_data(as_text=True)
    assert f'data-facility-id="{facility.id}" data-state="at_risk"' in page
    assert "0/2 nhân viên đã có chứng nhận" in page
    client.post("/logout")
    login(client, people["commune"][0])
    assert client.get("/competency/readiness").status_code == 403


def test_rollout_api_names_the_staff(client, loaded):
    from tests.factories import token_headers
    group, people = gen_group()
    coordinator = gen_user("coordinator")
    headers = token_headers(coordinator)
    centre = people["district"][0].facility
    day = (clock.now().date() + timedelta(days=40)).isoformat()
    r = client.post("/api/v1/ehr-rollouts", json={"facility_id": centre.id, "go_live_on": day}, headers=headers)
    assert r.status_code == 200 and (r.get_json()["staff"], r.get_json()["state"]) == (4, "on_track")
    named = [people["district"][0].id, people["district"][1].id]
    r = client.post("/api/v1/ehr-rollouts", json={"facility_id": centre.id, "go_live_on": day,
                                                  "staff_ids": named}, headers=headers)
    assert r.get_json()["staff"] == 2
    r = client.post("/api/v1/ehr-rollouts", json={"facility_id": centre.id, "go_live_on": day,
                                                  "staff_ids": [coordinator.id]}, headers=headers)
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["staff_ids"] == [
        f"Những người sau không phải nhân viên y tế đang hoạt động: {coordinator.id}."]
    r = client.post("/api/v1/ehr-rollouts", json={"facility_id": centre.id, "go_live_on": day, "staff_ids": []},
                    headers=headers)
    assert r.get_json()["staff"] == 4
    page = client.get("/api/v1/ehr-rollouts", headers=headers).get_json()
    assert page["total"] == 1 and page["items"][0]["facility_id"] == centre.id
    assert client.get("/api/v1/ehr-rollouts", headers=token_headers(people["district"][0])).status_code == 403


def test_naming_who_must_be_ready_on_the_page(client, loaded):
    group, people = gen_group()
    coordinator = gen_user("coordinator")
    centre = people["district"][0].facility
    login(client, coordinator)
    assert client.get(f"/competency/readiness/{centre.id}").status_code == 404  # no go-live planned yet
    _plan(centre, 40, coordinator)
    page = client.get(f"/competency/readiness/{centre.id}").get_data(as_text=True)
    assert "mọi nhân viên y tế đang hoạt động của cơ sở phải sẵn sàng" in page
    assert page.count('name="staff_ids"') == 4
    chosen = [people["district"][0].id, people["district"][1].id]
    r = client.post(f"/competency/readiness/{centre.id}", data={"staff_ids": [str(i) for i in chosen]})
    assert r.status_code == 302
    [row] = [r for r in readiness.facilities() if r.facility_id == centre.id]
    assert row.staff == 2
    page = client.get(f"/competency/readiness/{centre.id}").get_data(as_text=True)
    assert page.count("checked") == 2
    r = client.post(f"/competency/readiness/{centre.id}", data={"staff_ids": [str(coordinator.id)]})
    assert r.status_code == 422
    assert f"Những người sau không phải nhân viên y tế đang hoạt động: {coordinator.id}." in r.get_data(as_text=True)
    r = client.post(f"/competency/readiness/{centre.id}", data={"staff_ids": ["1e99"]})
    assert r.status_code == 422 and "Hãy chọn người trong danh sách." in r.get_data(as_text=True)
    r = client.post(f"/competency/readiness/{centre.id}", data={})  # nobody ticked: back to the default
    [row] = [r for r in readiness.facilities() if r.facility_id == centre.id]
    assert r.status_code == 302 and row.staff == 4
    client.post("/logout")
    login(client, people["commune"][0])
    assert client.get(f"/competency/readiness/{centre.id}").status_code == 403
