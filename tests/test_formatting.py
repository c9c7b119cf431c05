"""Times and zones in the reader's language (issue 10, "Nothing English")."""
from datetime import datetime, timedelta, timezone

import pytest

from mentoring.i18n import duration, zone_label

WINTER = datetime(2026, 1, 15, tzinfo=timezone.utc)
SUMMER = datetime(2026, 7, 15, tzinfo=timezone.utc)


@pytest.fixture
def vietnamese(app):
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        yield


@pytest.fixture
def english(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


@pytest.mark.once
def test_durations_are_words_not_timedelta(vietnamese):
    assert duration(timedelta(days=2)) == "2 ngày"
    assert duration(2 * 24 * 60) == "2 ngày"
    assert duration(210) == "3,5 giờ"
    assert duration(timedelta(minutes=95)) == "95 phút"
    assert duration(timedelta(days=2, hours=12)) == "2,5 ngày"


@pytest.mark.once
def test_durations_in_english(english):
    assert duration(210) == "3.5 hours"
    assert duration(timedelta(days=2)) == "2 days"


@pytest.mark.once
def test_zones_are_named_as_people_say_them(vietnamese):
    assert zone_label("Asia/Ho_Chi_Minh") == "Giờ Việt Nam (UTC+7)"
    assert zone_label("Europe/Paris", WINTER) == "Giờ Trung Âu (UTC+1)"
    assert zone_label("Europe/Paris", SUMMER) == "Giờ Trung Âu (UTC+2)"
    assert zone_label("America/New_York", WINTER).endswith("(UTC−5)")
    assert zone_label("UTC") == "Giờ quốc tế (UTC)"


@pytest.mark.once
def test_full_date_has_no_gmt_offset(app, vietnamese):
    rendered = app.jinja_env.from_string('{{ t|datetime("full") }}').render(
        t=datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc))
    assert "GMT" not in rendered and "08:00" in rendered and "24 tháng 11, 2026" in rendered
