from tests.factories import gen_group, gen_user, token_headers


def test_groups_list_is_scoped_and_paged(client):
    group_a, a = gen_group()
    gen_group()
    r = client.get("/api/v1/groups", headers=token_headers(a["district"][0]))
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"items", "page", "per_page", "total", "total_exact"}
    assert body["total"] == 1 and body["items"][0]["id"] == group_a.id
    assert body["items"][0]["composition"]["complete"] is True


def test_group_detail_lists_members_with_tier_and_role(client):
    group, people = gen_group()
    r = client.get(f"/api/v1/groups/{group.id}", headers=token_headers(people["commune"][0]))
    members = r.get_json()["members"]
    assert len(members) == 11
    mentor = next(m for m in members if m["role"] == "mentor")
    assert mentor["id"] == people["mentor"].id and mentor["tier"] == "central"
    assert sorted(m["tier"] for m in members if m["role"] == "member") == \
        ["commune"] * 2 + ["district"] * 4 + ["provincial"] * 4


def test_other_groups_are_not_found(client):
    _, a = gen_group()
    group_b, _ = gen_group()
    r = client.get(f"/api/v1/groups/{group_b.id}", headers=token_headers(a["commune"][0]))
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "not_found"


def test_coordinator_sees_all_groups(client):
    gen_group()
    gen_group()
    r = client.get("/api/v1/groups?per_page=1&page=2", headers=token_headers(gen_user("coordinator")))
    body = r.get_json()
    assert body["total"] >= 2 and len(body["items"]) == 1 and body["page"] == 2


def test_bad_paging_is_a_422_in_the_error_format(client):
    r = client.get("/api/v1/groups?per_page=1000", headers=token_headers(gen_user()))
    assert r.status_code == 422
    assert "per_page" in r.get_json()["error"]["fields"]
