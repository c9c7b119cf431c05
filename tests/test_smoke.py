from tests.factories import gen_group, login


def test_member_sees_home_and_group(client):
    group, people = gen_group()
    login(client, people["commune"][0])
    assert client.get("/").status_code == 200
    page = client.get(f"/groups/{group.id}")
    assert page.status_code == 200
    assert people["mentor"].full_name in page.get_data(as_text=True)
