"""The inbox page and GET /api/v1/cases run a bounded number of queries,
whatever the number of cases."""
from sqlalchemy import insert, select

from mentoring import clock
from mentoring.cases import services
from mentoring.cases.models import Case, CaseDiagnosis
from mentoring.extensions import db
from tests.cases.helpers import SMALLEST, gen_case
from tests.factories import gen_group, login, token_headers


def _many(group, people, n):
    """n sent cases waiting at the district tier, inserted in bulk (the
    services are exercised elsewhere; here only the reading side counts)."""
    template = gen_case(group, people["commune"][0])
    now = clock.now()
    rows = [{"group_id": group.id, "asker_id": people["commune"][i % 2].id,
             "facility_id": template.facility_id, "province_code": template.province_code,
             "status": "open", "urgency": ("routine", "urgent", "emergency")[i % 3],
             "age_years": 40 + i % 40, "sex": "female", "pregnancy": "not_applicable",
             "complaint": f"Đau đầu {i}", "question": "Tăng liều?", "search_text": f"dau dau {i}",
             "patient_consent": True, "asker_tier_code": "commune", "first_tier_code": "district",
             "current_tier_code": "district", "due_at": now, "created_at": now, "updated_at": now,
             "sent_at": now} for i in range(n)]
    db.session.execute(insert(Case), rows)
    bare = db.session.execute(select(Case.id).where(
        Case.id.not_in(select(CaseDiagnosis.case_id)))).scalars().all()
    db.session.execute(insert(CaseDiagnosis), [{"case_id": i, "code": "I10", "chapter": "IX",
                                                "position": 0} for i in bare])
    db.session.commit()


def _count(count_queries, call):
    with count_queries() as counted:
        response = call()
    assert response.status_code == 200
    return counted.n


def test_inbox_and_list_queries_are_bounded(client, count_queries):
    group, people = gen_group()
    district = people["district"][0]
    _many(group, people, 20)
    login(client, district)
    headers = token_headers(district)
    db.session.commit()
    small_page = _count(count_queries, lambda: client.get("/cases"))
    small_api = _count(count_queries, lambda: client.get("/api/v1/cases?per_page=100", headers=headers))
    _many(group, people, 300)
    big_page = _count(count_queries, lambda: client.get("/cases"))
    big_api = _count(count_queries, lambda: client.get("/api/v1/cases?per_page=100", headers=headers))
    assert big_page == small_page and big_page <= 15, big_page
    assert big_api == small_api and big_api <= 10, big_api
    page = client.get("/cases").get_data(as_text=True)
    assert page.count("data-case-id=") == 25
    # emergencies first
    assert client.get("/api/v1/cases?per_page=100&urgency=emergency", headers=headers).get_json()["total"] >= 100


def _outcomes(group, people, n, province_codes):
    """n closed cases with coded outcomes, spread over provinces and the askers' tiers."""
    template = gen_case(group, people["commune"][0])
    now = clock.now()
    codes = ("managed_at_station", "referred", "managed_at_station", "unknown", "died")
    rows = [{"group_id": group.id, "asker_id": people["commune"][0].id, "facility_id": template.facility_id,
             "province_code": province_codes[i % len(province_codes)], "status": "closed", "urgency": "routine",
             "urgency_rank": 2, "age_years": 60, "sex": "male", "pregnancy": "not_applicable",
             "complaint": f"THA {i}", "question": "?", "search_text": "tha", "patient_consent": True,
             "asker_tier_code": ("commune", "district")[i % 2], "first_tier_code": "district",
             "current_tier_code": "district", "created_at": now, "updated_at": now, "sent_at": now,
             "closed_at": now, "outcome_code": codes[i % len(codes)],
             "referred_tier_code": "district" if codes[i % len(codes)] == "referred" else None}
            for i in range(n)]
    db.session.execute(insert(Case), rows)
    db.session.commit()


def test_report_queries_are_bounded_and_share_is_right(client, count_queries):
    from mentoring.cases import reports
    from mentoring.org.models import Province
    from tests.factories import gen_user
    group, people = gen_group()
    provinces = db.session.execute(select(Province.code).order_by(Province.code).limit(3)).scalars().all()
    coordinator = gen_user("coordinator")
    _outcomes(group, people, 10, provinces)
    login(client, coordinator)
    small = _count(count_queries, lambda: client.get("/cases/report"))
    _outcomes(group, people, 400, provinces)
    big = _count(count_queries, lambda: client.get("/cases/report"))
    assert big == small and big <= 12, big
    with count_queries() as counted:
        rows = reports.outcome_report()
    assert counted.n == 1
    total = [r for r in rows if r.tier == ""]
    assert len(total) == 3   # one total per province
    codes = [("managed_at_station", "referred", "managed_at_station", "unknown", "died")[i % 5]
             for n in (10, 400) for i in range(n)]
    assert sum(r.coded for r in total) == sum(c != "unknown" for c in codes)
    assert sum(r.managed for r in total) == codes.count("managed_at_station")
    assert all(r.managed_share == r.managed / r.coded for r in rows if r.coded)


def test_the_inbox_page_counts_the_waiting_cases_once(client, count_queries):
    # The page's pager and the navigation badge count the same cases; the
    # badge used to count them a second time (issue 12: the hot inbox).
    group, people = gen_group()
    _many(group, people, 30)
    login(client, people["district"][0])
    with count_queries() as counted:
        page = client.get("/cases")
    assert page.status_code == 200
    waiting_counts = [s for s in counted.statements
                      if "count(" in s.lower() and "group_memberships.tier_code = cases.current_tier_code" in s]
    assert len(waiting_counts) == 1, waiting_counts
    from mentoring.cases import queries
    waiting = queries.inbox_count(people["district"][0])  # outside the request: counted afresh
    badge = page.get_data(as_text=True).split('data-testid="tab-count">')[1].split("<")[0]
    assert waiting >= 30 and badge == str(waiting)  # the badge still says it


def test_an_inbox_row_translates_only_the_labels_it_shows(client, monkeypatch):
    # Issue 12's profile of the hot inbox: each label translated its whole
    # table (all urgencies, all tiers...) to show one entry.
    import flask_babel
    group, people = gen_group()
    _many(group, people, 30)
    login(client, people["district"][0])
    calls = {"n": 0}
    real = flask_babel.Domain.gettext

    def counting(self, *args, **kwargs):
        calls["n"] += 1
        return real(self, *args, **kwargs)
    monkeypatch.setattr(flask_babel.Domain, "gettext", counting)
    assert client.get("/cases").status_code == 200
    assert calls["n"] <= 25 * 8, calls["n"]


def test_the_inbox_page_loads_only_what_its_rows_show(client, count_queries):
    # Rows show the facility's name, the claimer's name and the diagnoses: the
    # page used to load every asker's account with its tier and facility, and
    # each facility's province and commune.
    group, people = gen_group()
    _many(group, people, 30)
    login(client, people["district"][0])
    with count_queries() as counted:
        assert client.get("/cases").status_code == 200
    accounts = [s for s in counted.statements if "password_hash" in s]
    assert len(accounts) == 1, accounts  # the logged-in user
    rows = [s for s in counted.statements if s not in accounts]
    assert not [s for s in rows if "JOIN provinces" in s or "JOIN communes" in s], rows


def test_the_case_page_asks_the_policy_once_and_loads_only_names(client, count_queries):
    # Issue 12's load test: the case page (asker's and mentor's) ran one
    # membership query per rule it asked (seven, and one more per reply),
    # loaded the answerers' accounts for their ids, reloaded the case and the
    # user after committing the "viewed" row, and joined every account's
    # tier, facility, province and commune to show a name.
    group, people = gen_group()
    case = gen_case(group, people["commune"][0])
    services.add_reply(case, people["district"][0], "Đo lại huyết áp sau 15 phút nghỉ.")
    db.session.commit()
    url = f"/cases/{case.id}"
    counts = {}
    for who in ("commune", "district"):
        login(client, people[who][0])
        client.get(url)  # the first view of the hour also writes the "viewed" row
        counts[who, 1] = _count(count_queries, lambda: client.get(url))
    for i in range(5):
        services.add_reply(case, people["district"][i % 2], f"Thêm ý kiến {i}.")
    db.session.commit()
    for who in ("commune", "district"):
        login(client, people[who][0])
        with count_queries() as counted:
            page = client.get(url)
        assert page.status_code == 200
        counts[who, 6] = counted.n
        memberships = [s for s in counted.statements if "FROM group_memberships" in s
                       and "group_memberships.group_id =" in s and "count(" not in s.lower()]
        assert len(memberships) <= 1, memberships
        joined = [s for s in counted.statements if "JOIN provinces" in s or "JOIN communes" in s]
        assert len(joined) == 1, joined  # the logged-in user
    assert counts["commune", 6] == counts["commune", 1] and counts["district", 6] == counts["district", 1], counts
    assert counts["commune", 6] <= 11 and counts["district", 6] <= 11, counts


def test_posting_a_case_and_a_reply_asks_the_membership_once(client, count_queries):
    # Issue 12's load test: POST /api/v1/cases and /replies asked the same
    # membership two or three times, and reloaded the caller's account after
    # the commit to pick the language of the answer.
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    db.session.commit()
    for user, call in ((asker, lambda h: client.post("/api/v1/cases", headers=h,
                                                     json={**SMALLEST, "group_id": group.id})),
                       (district, lambda h: client.post(f"/api/v1/cases/{case_id}/replies", headers=h,
                                                        json={"body": "Đo lại huyết áp."}))):
        headers = token_headers(user)
        with count_queries() as counted:
            response = call(headers)
        assert response.status_code == 201, response.get_json()
        case_id = response.get_json().get("id") if user is asker else case_id
        memberships = [s for s in counted.statements if "FROM group_memberships" in s
                       and "group_memberships.user_id =" in s]
        assert len(memberships) == 1, memberships
        accounts = [s for s in counted.statements if "FROM users" in s and "JOIN group_memberships" not in s
                    and "users.id = ?" in s.replace("%(pk_1)s::INTEGER", "?")]
        assert len(accounts) <= 1, accounts  # the caller, once
