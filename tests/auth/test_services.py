from datetime import timedelta

import pytest

from mentoring import clock
from mentoring.auth import services
from mentoring.auth.models import User
from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db
from tests.factories import PASSWORD, gen_facility, gen_user


def _create(**overrides):
    data = dict(email="nurse@example.test", full_name="Lê Thị Lan", password=PASSWORD,
                role="worker", tier_code="commune", facility_id=None)
    data.update(overrides)
    return services.create_user(**data)


def test_create_user_normalises_email_and_hashes_password():
    user = _create(email="  Nurse@Example.TEST ")
    assert user.email == "nurse@example.test"
    assert PASSWORD not in user.password_hash
    assert user.language == "vi" and user.timezone == "Asia/Ho_Chi_Minh"


def test_duplicate_email_is_a_conflict_on_the_field_and_nothing_is_added():
    _create()
    before = db.session.query(User).count()
    with pytest.raises(Conflict) as err:
        _create(email="NURSE@example.test", full_name="Someone Else")
    assert "email" in err.value.fields
    assert db.session.query(User).count() == before


@pytest.mark.parametrize("field,overrides", [
    ("email", {"email": "not-an-email"}),
    ("password", {"password": "short"}),
    ("password", {"password": "aaaaaaaaaaaaaa"}),
    ("password", {"password": "password123"}),
    ("password", {"password": "nurse-secret-1"}),          # contains the e-mail's local part
    ("full_name", {"full_name": "   "}),
    ("tier_code", {"tier_code": None}),                      # a worker needs a tier
    ("tier_code", {"role": "mentor", "tier_code": "commune"}),  # mentors are central doctors
    ("role", {"role": "surgeon"}),
])
def test_bad_input_names_the_field(field, overrides):
    with pytest.raises(ValidationFailed) as err:
        _create(**overrides)
    assert field in err.value.fields, err.value.fields


def test_facility_must_be_at_the_users_tier():
    provincial = gen_facility("provincial")
    with pytest.raises(ValidationFailed) as err:
        _create(facility_id=provincial.id)
    assert "facility_id" in err.value.fields


def test_authenticate_fails_alike_for_unknown_email_wrong_password_and_inactive():
    user = gen_user()
    assert services.authenticate(user.email, PASSWORD) == user
    assert services.authenticate(user.email.upper(), PASSWORD) == user
    assert services.authenticate(user.email, "wrong-password") is None
    assert services.authenticate("nobody@example.test", PASSWORD) is None
    services.deactivate_user(user)
    assert services.authenticate(user.email, PASSWORD) is None


def test_password_change_requires_current_and_ends_other_sessions():
    user = gen_user()
    old_session_id = user.get_id()
    with pytest.raises(ValidationFailed) as err:
        services.change_password(user, "not-my-password", "a new long passphrase")
    assert "current_password" in err.value.fields
    services.change_password(user, PASSWORD, "a new long passphrase")
    assert services.load_user_from_session_id(old_session_id) is None
    assert services.load_user_from_session_id(user.get_id()) == user
    assert services.authenticate(user.email, "a new long passphrase") == user


def test_tokens_expire_and_can_be_revoked():
    clock.freeze(clock.now())
    user = gen_user()
    raw, token = services.issue_token(user)
    assert services.user_for_token(raw) == user
    clock.advance(timedelta(hours=24 * 30 + 1))
    assert services.user_for_token(raw) is None
    raw2, _ = services.issue_token(user)
    assert services.revoke_token(raw2)
    assert services.user_for_token(raw2) is None
    assert services.user_for_token("garbage") is None


def test_a_token_is_checked_in_one_statement(count_queries):
    """Every API request and socket connect asks: the token and its account together."""
    user = gen_user()
    raw, _ = services.issue_token(user)
    user_id = user.id
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as counted:
        found = services.user_for_token(raw)
        assert found.id == user_id and found.tier is not None  # what pages show comes with it
    assert counted.n == 1, counted.statements


def test_deactivation_revokes_tokens():
    user = gen_user()
    raw, _ = services.issue_token(user)
    services.deactivate_user(user)
    assert services.user_for_token(raw) is None


def test_only_the_hash_of_a_token_is_stored():
    user = gen_user()
    raw, token = services.issue_token(user)
    assert raw not in token.token_hash and len(token.token_hash) == 64
