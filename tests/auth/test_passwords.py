"""Passwords are judged by zxcvbn with the person's own name and e-mail as
the first words an attacker tries, wherever a password is set, and the
refusal says why in Vietnamese."""
import pytest

from mentoring.auth import services
from mentoring.auth.models import User
from mentoring.errors import ValidationFailed
from mentoring.extensions import db
from tests.factories import PASSWORD, gen_user, login

COMMON = "Mật khẩu này (hoặc một mật khẩu rất giống) nằm trong số những mật khẩu phổ biến nhất."


@pytest.mark.parametrize("password, why", [
    ("12345678901", COMMON),
    ("P@ssw0rd2024", COMMON),
    ("nguyenvanan1990", "Đừng dùng tên hoặc địa chỉ email của bạn trong mật khẩu."),
    ("Nguyễn Văn An 2024", "Đừng dùng tên hoặc địa chỉ email của bạn trong mật khẩu."),
    ("an.nguyen.tram", "Đừng dùng tên hoặc địa chỉ email của bạn trong mật khẩu."),
    ("abcdefghijklm", "Những dãy như 12345 hoặc abcde bị đoán đầu tiên."),
])
def test_weak_passwords_are_refused_naming_why(password, why):
    with pytest.raises(ValidationFailed) as err:
        services.create_user(email="an.nguyen@example.test", full_name="Nguyễn Văn An", password=password,
                             role="coordinator")
    assert err.value.fields["password"] == [why]


@pytest.mark.parametrize("password", [PASSWORD, "Mây trắng bay qua đỉnh núi Ba Vì", "hoa sen nở giữa hồ"])
def test_strong_passwords_pass(password):
    assert services.password_problem(password, "an.nguyen@example.test", "Nguyễn Văn An") is None


def test_the_account_page_refuses_a_weak_new_password(client):
    user = gen_user()
    login(client, user)
    r = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                      "new_password": "P@ssw0rd2024", "confirm_password": "P@ssw0rd2024"})
    assert r.status_code == 422 and COMMON in r.get_data(as_text=True)
    assert services.authenticate(user.email, PASSWORD) == user


def test_admin_create_and_reset_refuse_a_weak_password(client):
    login(client, gen_user("admin"))
    r = client.post("/admin/users/new", data={
        "email": "weak.nurse@example.test", "full_name": "Y tá Yếu", "password": "12345678901",
        "role": "worker", "tier_code": "commune", "language": "vi", "timezone": "Asia/Ho_Chi_Minh"})
    assert r.status_code == 422 and COMMON in r.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="weak.nurse@example.test").count() == 0
    nurse = gen_user()
    r = client.post(f"/admin/users/{nurse.id}", data={
        "email": nurse.email, "full_name": nurse.full_name, "role": "worker", "tier_code": "commune",
        "language": "vi", "timezone": "Asia/Ho_Chi_Minh", "password": "P@ssw0rd2024"})
    assert r.status_code == 422 and COMMON in r.get_data(as_text=True)
    assert services.authenticate(nurse.email, PASSWORD) is not None


def test_the_cli_refuses_a_weak_password(app):
    weak = app.test_cli_runner().invoke(args=["create-user", "--email", "weak@example.test", "--role", "coordinator",
                                              "--name", "Y"], input="12345678901\n12345678901\n")
    assert weak.exit_code != 0 and "phổ biến" in weak.output
