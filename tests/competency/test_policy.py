"""Who sees whose progress (mentoring/auth/rules/competency.py): workers
their own, mentors their mentees', coordinators and admins everyone's;
another group's worker is "not found" on every door."""
from mentoring.auth import policy
from tests.factories import gen_group, gen_user, login, token_headers


def test_progress_rules(loaded):
    group, people = gen_group()
    other, others = gen_group()
    worker, peer, mentor = people["commune"][0], people["commune"][1], people["mentor"]
    coordinator, admin = gen_user("coordinator"), gen_user("admin")
    can = policy.allowed
    assert can(worker, "competency.progress.view", worker)
    assert not can(worker, "competency.progress.view", peer)
    assert not can(people["district"][0], "competency.progress.view", worker)
    assert can(mentor, "competency.progress.view", worker)
    assert not can(others["mentor"], "competency.progress.view", worker)
    assert can(coordinator, "competency.progress.view", worker) and can(admin, "competency.progress.view", worker)
    assert can(mentor, "competency.assess", worker) and not can(mentor, "competency.assess", mentor)
    assert not can(coordinator, "competency.assess", worker) and not can(others["mentor"], "competency.assess", worker)
    assert can(worker, "competency.self_assess", worker) and not can(worker, "competency.self_assess", peer)
    assert can(coordinator, "competency.dashboard") and not can(mentor, "competency.dashboard")
    assert not can(worker, "competency.readiness")
    # A mentor whose mentee left the group no longer sees them.
    from mentoring.org.services import remove_member
    membership = next(m for m in group.memberships if m.user_id == worker.id)
    remove_member(membership)
    assert not can(mentor, "competency.progress.view", worker)


def test_every_door_hides_another_groups_worker(client, loaded):
    group, people = gen_group()
    other, others = gen_group()
    target = people["commune"][0]
    outsider = others["mentor"]
    paths = [f"/workers/{target.id}/progress", f"/api/v1/workers/{target.id}/progress"]
    login(client, outsider)
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert client.post(f"/workers/{target.id}/assessments", data={"competency": "FM-HTN", "level": "3"}
                       ).status_code == 404
    headers = token_headers(others["commune"][0])
    assert client.get(paths[1], headers=headers).status_code == 404
    assert client.get(f"/api/v1/workers/{target.id + 100000}/progress", headers=headers).status_code == 404
    mentor_headers = token_headers(people["mentor"])
    body = client.get(paths[1], headers=mentor_headers).get_json()
    assert body["user_id"] == target.id and {"hours", "competencies", "programmes", "certificates"} <= set(body)
    own = client.get(paths[1], headers=token_headers(target)).get_json()
    assert own["hours"]["required"] == 120.0
