import re

from tests.factories import gen_group, login


def home_actions(client) -> str:
    """The action buttons of the home page (the navigation has the same links)."""
    html = client.get("/").get_data(as_text=True)
    return re.search(r'data-testid="home-actions">(.*?)</div>', html, re.S).group(1)


def test_member_sees_home_and_group(client):
    group, people = gen_group()
    login(client, people["commune"][0])
    assert 'href="/cases/new"' in home_actions(client)  # a commune worker asks from home
    page = client.get(f"/groups/{group.id}")
    assert page.status_code == 200
    assert people["mentor"].full_name in page.get_data(as_text=True)


def test_mentor_home_leads_to_the_inbox_not_to_asking(client):
    _group, people = gen_group()
    login(client, people["mentor"])
    home = home_actions(client)
    assert 'href="/cases"' in home and 'href="/chat"' in home
    assert 'href="/cases/new"' not in home
