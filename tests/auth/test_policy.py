from mentoring.auth import policy
from tests.factories import gen_group, gen_user


def test_members_see_their_own_group_only():
    group_a, a = gen_group()
    group_b, b = gen_group()
    commune_a = a["commune"][0]
    assert policy.allowed(commune_a, "group.view", group_a)
    assert not policy.allowed(commune_a, "group.view", group_b)
    assert policy.allowed(b["mentor"], "group.view", group_b)
    assert not policy.allowed(b["mentor"], "group.view", group_a)


def test_staff_see_everything_but_only_admins_manage_accounts():
    group, _ = gen_group()
    coordinator, admin, worker = gen_user("coordinator"), gen_user("admin"), gen_user()
    assert policy.allowed(coordinator, "group.view", group)
    assert policy.allowed(coordinator, "group.overview")
    assert not policy.allowed(coordinator, "user.manage")
    assert policy.allowed(admin, "user.manage")
    assert not policy.allowed(worker, "user.manage")
    assert not policy.allowed(worker, "group.overview")


def test_unknown_actions_and_anonymous_users_are_refused():
    worker = gen_user()
    assert not policy.allowed(worker, "no.such.action")
    assert not policy.allowed(None, "group.list")


def test_former_members_lose_access():
    from mentoring.org import services as org
    group, people = gen_group()
    leaver = people["district"][0]
    membership = next(m for m in group.memberships if m.user_id == leaver.id)
    org.remove_member(membership)
    assert not policy.allowed(leaver, "group.view", group)


def test_users_see_people_who_share_a_group():
    _, a = gen_group()
    _, b = gen_group()
    assert policy.allowed(a["commune"][0], "user.view", a["mentor"])
    assert not policy.allowed(a["commune"][0], "user.view", b["mentor"])


def test_membership_follows_every_change_within_one_unit_of_work():
    # A membership asked twice in one unit of work (a chat message does) must
    # follow a change made in between, flushed or not, or a bulk UPDATE.
    from datetime import date

    from sqlalchemy import update

    from mentoring.extensions import db
    from mentoring.org.models import GroupMembership
    group, people = gen_group()
    district, commune = people["district"][0], people["commune"][0]
    assert policy.is_group_member(district, group.id) and policy.is_group_member(commune, group.id)
    membership = next(m for m in group.memberships if m.user_id == district.id)
    membership.left_on = date.today()          # pending, not flushed
    assert not policy.is_group_member(district, group.id)
    db.session.execute(update(GroupMembership).where(GroupMembership.user_id == commune.id)
                       .values(left_on=date.today()))
    assert not policy.is_group_member(commune, group.id)
