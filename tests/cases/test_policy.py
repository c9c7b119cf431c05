"""Who may do what to a case (mentoring/auth/policy.py, cases section)."""
from mentoring.auth import policy
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user


def test_rules_by_tier(app):
    group, people = gen_group()
    other, other_people = gen_group()
    asker, colleague = people["commune"]
    district, provincial, doctor = people["district"][0], people["provincial"][0], people["mentor"]
    case = gen_case(group, asker)
    admin, coordinator = gen_user("admin"), gen_user("coordinator")

    def can(user, action):
        return policy.allowed(user, action, case)

    for user in (asker, colleague, district, provincial, doctor, admin, coordinator):
        assert can(user, "case.view")
    for user in (other_people["commune"][0], other_people["mentor"], other_people["district"][0]):
        assert not can(user, "case.view")
    assert can(asker, "case.reply") and not can(colleague, "case.reply")
    for user in (district, provincial, doctor):
        assert can(user, "case.reply") and can(user, "case.escalate") and can(user, "case.claim")
    for user in (asker, colleague, admin, coordinator, other_people["mentor"]):
        assert not can(user, "case.escalate")
    assert can(asker, "case.close") and can(doctor, "case.close") and not can(colleague, "case.close")
    assert not can(doctor, "case.nominate")  # only closed cases
    assert policy.allowed(admin, "case.audit") and not policy.allowed(coordinator, "case.audit")
    assert policy.allowed(coordinator, "case.report") and not policy.allowed(doctor, "case.report")
    assert policy.allowed(asker, "case.create", group) and not policy.allowed(doctor, "case.create", group)
    assert not policy.allowed(asker, "case.create", other)


def test_a_district_workers_case_goes_to_provincial_and_district_peers_cannot_answer(app):
    group, people = gen_group()
    asker, peer = people["district"][0], people["district"][1]
    case = gen_case(group, asker)
    assert case.current_tier_code == "provincial"
    assert not policy.allowed(peer, "case.reply", case)
    assert policy.allowed(people["provincial"][0], "case.reply", case)
    assert not policy.allowed(people["commune"][0], "case.reply", case)


def test_outcome_and_review_rules(app):
    group, people = gen_group()
    asker, colleague = people["commune"]
    district, doctor = people["district"][0], people["mentor"]
    case = gen_case(group, asker)
    coordinator, admin = gen_user("coordinator"), gen_user("admin")
    assert policy.allowed(asker, "case.outcome", case) and policy.allowed(coordinator, "case.outcome", case)
    for user in (colleague, district, doctor, admin):
        assert not policy.allowed(user, "case.outcome", case)
    for user in (district, doctor):
        assert policy.allowed(user, "case.review", case)
    for user in (asker, colleague, coordinator):
        assert not policy.allowed(user, "case.review", case)
    draft = gen_case(group, asker, draft=True)
    assert not policy.allowed(asker, "case.outcome", draft) and not policy.allowed(doctor, "case.review", draft)
