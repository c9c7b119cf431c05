import re
from datetime import date

from sqlalchemy import select

from mentoring.extensions import db
from mentoring.org.models import Facility, GroupMembership, MentoringGroup
from tests.factories import gen_group, gen_user, login


def test_worker_sees_own_groups_and_not_others_by_guessing_ids(client):
    group_a, a = gen_group()
    group_b, b = gen_group()
    login(client, a["commune"][0])
    listing = client.get("/groups").get_data(as_text=True)
    assert group_a.name in listing and group_b.name not in listing
    assert client.get(f"/groups/{group_a.id}").status_code == 200
    assert client.get(f"/groups/{group_b.id}").status_code == 404
    assert client.get("/groups/999999").status_code == 404


def test_group_page_draws_the_cascade(client):
    group, people = gen_group()
    login(client, people["provincial"][1])
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    page = page.split('class="tree"')[1]
    for tier in ("central", "provincial", "district", "commune"):
        assert f'data-tier="{tier}"' in page
    assert page.index(people["mentor"].full_name) < page.index(people["commune"][0].full_name)


def test_coordinator_overview_lists_incomplete_groups(client):
    complete, _ = gen_group(name="Nhóm đủ")
    incomplete, _ = gen_group(complete=False, name="Nhóm thiếu")
    login(client, gen_user("coordinator"))
    page = client.get("/groups/overview").get_data(as_text=True)
    section = page.split('data-testid="incomplete-groups"')[1].split("</ul>")[0]
    assert "Nhóm thiếu" in section and "Nhóm đủ" not in section


def test_overview_and_groups_pages_run_a_bounded_number_of_queries(client, count_queries):
    for _ in range(3):
        gen_group()
    login(client, gen_user("coordinator"))
    with count_queries() as few:
        assert client.get("/groups/overview").status_code == 200
    for _ in range(5):
        gen_group()
    with count_queries() as many:
        assert client.get("/groups/overview").status_code == 200
        assert client.get("/groups").status_code == 200
        assert client.get("/").status_code == 200
    assert few.n <= 6
    # The home also counts the coordinator's alerts (facilities at risk,
    # certificates expiring): tests/test_home.py bounds it on its own.
    assert many.n <= 3 * 6 + 3, many.statements


def test_adding_a_member_at_the_wrong_tier_keeps_the_form(client):
    group, _ = gen_group(complete=False)
    worker = gen_user("worker", "commune")
    login(client, gen_user("coordinator"))
    r = client.post(f"/groups/{group.id}", data={"action": "add", "user_id": worker.id,
                                                 "tier_code": "provincial"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="tier_code-error"' in page
    assert f'<option value="{worker.id}" selected' in page
    assert db.session.execute(select(GroupMembership).where(
        GroupMembership.user_id == worker.id)).first() is None


def test_coordinator_adds_and_removes_members_workers_cannot(client):
    group, people = gen_group(complete=False)
    worker = gen_user("worker", "district")
    login(client, people["commune"][0])
    assert client.post(f"/groups/{group.id}", data={"action": "add", "user_id": worker.id,
                                                    "tier_code": "district"}).status_code == 403
    client.post("/logout")
    login(client, gen_user("coordinator"))
    r = client.post(f"/groups/{group.id}", data={"action": "add", "user_id": worker.id, "tier_code": "district"})
    assert r.status_code == 302
    membership = db.session.execute(select(GroupMembership).where(
        GroupMembership.user_id == worker.id)).scalar_one()
    r = client.post(f"/groups/{group.id}", data={"action": "remove", "membership_id": membership.id})
    assert r.status_code == 302
    db.session.refresh(membership)
    assert membership.left_on is not None


def test_facility_search_and_admin_create_with_errors(client):
    login(client, gen_user("admin"))
    r = client.post("/facilities", data={"name": "Trạm Y tế Không Tồn Tại", "kind": "commune_health_station",
                                         "province_code": "777"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="province_code-error"' in page and "Trạm Y tế Không Tồn Tại" in page
    r = client.post("/facilities", data={"name": "Bệnh viện Tỉnh Mới", "kind": "provincial_hospital",
                                         "province_code": "25"})
    assert r.status_code == 302
    assert db.session.execute(select(Facility).where(Facility.name == "Bệnh viện Tỉnh Mới")).first()
    listing = client.get("/facilities?q=tỉnh mới").get_data(as_text=True)
    assert "Bệnh viện Tỉnh Mới" in listing


def test_workers_cannot_create_facilities(client):
    login(client, gen_user())
    assert client.post("/facilities", data={"name": "X", "kind": "provincial_hospital",
                                            "province_code": "25"}).status_code == 403


def test_create_group_form(client):
    mentor = gen_user("mentor")
    login(client, gen_user("coordinator"))
    r = client.post("/groups/new", data={"name": "", "mentor_id": mentor.id})
    assert r.status_code == 422 and 'id="name-error"' in r.get_data(as_text=True)
    r = client.post("/groups/new", data={"name": "Nhóm mới", "mentor_id": mentor.id})
    assert r.status_code == 302


def test_facility_list_pages(client):
    from mentoring.org import services
    for i in range(30):
        services.create_facility(name=f"Bệnh viện Phân Trang {i:02d}", kind="provincial_hospital",
                                 province_code=96)
    login(client, gen_user())
    first = client.get("/facilities?province=96").get_data(as_text=True)
    assert "Phân Trang 00" in first and "Phân Trang 29" not in first
    assert "page=2" in first
    second = client.get("/facilities?province=96&page=2").get_data(as_text=True)
    assert "Phân Trang 29" in second and "Phân Trang 00" not in second


def test_overview_pages_the_table_but_lists_every_incomplete_group(client, app):
    for i in range(3):
        gen_group(complete=False, name=f"Thiếu {i}")
    login(client, gen_user("coordinator"))
    page = client.get("/groups/overview").get_data(as_text=True)
    incomplete = page.split('data-testid="incomplete-groups"')[1].split("</ul>")[0]
    assert all(f"Thiếu {i}" in incomplete for i in range(3))


def _many_groups(prefix: str, n: int, complete: bool, people: dict) -> None:
    """n groups of the same 11 people (a person may be in several groups), by
    bulk insert: 100 groups through gen_group would make 1,100 accounts."""
    groups = [MentoringGroup(name=f"{prefix} {i:03d}") for i in range(n)]
    db.session.add_all(groups)
    db.session.flush()
    sizes = {"provincial": 4, "district": 4, "commune": 2 if complete else 1}
    for group in groups:
        db.session.add(GroupMembership(group_id=group.id, user_id=people["mentor"].id, tier_code="central",
                                       role="mentor", joined_on=date(2026, 1, 1)))
        for tier, count in sizes.items():
            for user in people[tier][:count]:
                db.session.add(GroupMembership(group_id=group.id, user_id=user.id, tier_code=tier,
                                               role="member", joined_on=date(2026, 1, 1)))
    db.session.commit()


def test_overview_queries_and_lists_stay_bounded_as_groups_grow(client, count_queries):
    _group, people = gen_group(name="Nhóm 0 đầu")
    login(client, gen_user("coordinator"))
    client.get("/groups/overview")  # warm the per-process caches (tiers)
    with count_queries() as few:
        assert client.get("/groups/overview").status_code == 200
    _many_groups("Nhóm A thiếu", 150, False, people)
    _many_groups("Nhóm B đủ", 60, True, people)
    with count_queries() as many:
        html = client.get("/groups/overview").get_data(as_text=True)
    assert many.n == few.n <= 6, many.statements
    assert html.count('data-testid="overview-row"') == 100
    incomplete = html.split('data-testid="incomplete-groups"')[1].split("</ul>")[0]
    assert incomplete.count("<li") == 100
    assert "Nhóm A thiếu 099" in incomplete and "Nhóm A thiếu 100" not in incomplete
    assert "Nhóm chưa đủ (150)" in html and 'data-testid="incomplete-shown"' in html
    assert "Tất cả nhóm (211)" in html
    last = client.get("/groups/overview?page=3").get_data(as_text=True)
    assert last.count('data-testid="overview-row"') == 11 and "Nhóm B đủ 059" in last


def test_coordinator_sets_who_supports_whom(client):
    group, people = gen_group()
    by_user = {m.user_id: m for m in group.memberships}
    provincial, commune = by_user[people["provincial"][0].id], by_user[people["commune"][0].id]
    login(client, gen_user("coordinator"))
    r = client.post(f"/groups/{group.id}", data={"action": "supervise", "membership_id": commune.id,
                                                 "supervisor_id": provincial.id})
    assert r.status_code == 302
    db.session.refresh(commune)
    assert commune.supervisor_id == provincial.id
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert people["provincial"][0].full_name in page.split(people["commune"][0].full_name)[1][:400]
    # upward supervision is refused with a message, nothing saved
    r = client.post(f"/groups/{group.id}", data={"action": "supervise", "membership_id": provincial.id,
                                                 "supervisor_id": commune.id}, follow_redirects=True)
    db.session.refresh(provincial)
    assert provincial.supervisor_id is None and "alert-danger" in r.get_data(as_text=True)


def test_a_workers_home_loads_no_other_account(client, count_queries):
    # Issue 12's profile of the commune home: it loaded every member's account
    # (and the per-tier counts and a pager) of every group.
    group, people = gen_group(name="Nhóm của tôi")
    worker = people["commune"][0]
    login(client, worker)
    with count_queries() as counted:
        page = client.get("/")
    assert page.status_code == 200
    account_loads = [s for s in counted.statements if "password_hash" in s]
    assert len(account_loads) == 1, account_loads  # the logged-in user only


def test_the_coordinators_home_counts_incomplete_groups_without_loading_accounts(client, count_queries):
    # Issue 12's profile of the coordinator's home: 80 % of it built a User
    # for every group's mentor, only to tell complete groups from incomplete.
    gen_group(name="Đủ 1")
    gen_group(name="Đủ 2")
    gen_group(complete=False, name="Thiếu")
    login(client, gen_user("coordinator"))
    with count_queries() as counted:
        html = client.get("/").get_data(as_text=True)
    alert = html.split('data-testid="alert-incomplete"')[1].split("</a>")[0]
    assert '<span class="stat-value">1</span>' in alert and "(trên tổng 3)" in alert, alert
    assert len([s for s in counted.statements if "password_hash" in s]) == 1, counted.statements


def test_a_commune_workers_pages_do_not_count_an_inbox_that_is_always_empty(client, count_queries):
    # Cases wait one tier above their asker; the navigation counted the
    # commune worker's (always empty) inbox on every page.
    _, people = gen_group()
    login(client, people["commune"][0])
    with count_queries() as counted:
        assert client.get("/").status_code == 200
    assert not [s for s in counted.statements if "group_memberships.tier_code = cases.current_tier_code" in s], \
        counted.statements
