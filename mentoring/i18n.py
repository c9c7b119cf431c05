"""Language and time zone: Vietnamese first, each user's own choice."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated:
        return current_user.language or "vi"
    chosen = session.get("language") if request else None
    if chosen in languages:
        return chosen
    # Before login, honour the browser only when it asks for English outright;
    # everyone else (most users) gets Vietnamese.
    best = request.accept_languages.best_match(languages) if request else None
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["MENTORING_DEFAULT_TIMEZONE"]


def local_time(value: datetime, tz_name: str | None = None) -> datetime:
    return value.astimezone(ZoneInfo(tz_name or select_timezone()))


def zone_label(zone: str, at: datetime | None = None) -> str:
    """A time zone as people say it, "Giờ Việt Nam (UTC+7)", never its
    database id ("Asia/Ho_Chi_Minh"). The offset is the one in force at `at`."""
    from babel.dates import get_timezone_name
    from flask_babel import get_locale, gettext
    if zone in ("UTC", "Etc/UTC"):
        return gettext("Coordinated Universal Time (UTC)")
    offset = int((at or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    hours, minutes = divmod(abs(offset), 60)
    utc = "UTC" + ("+" if offset >= 0 else "−") + str(hours) + (f":{minutes:02d}" if minutes else "")
    return f"{get_timezone_name(zone, locale=get_locale())} ({utc})"


def duration(value) -> str:
    """A length of time in the reader's language ("95 phút", "3,5 giờ",
    "2 ngày"), never str(timedelta) ("2 days, 0:00:00"). `value` is a
    timedelta or a number of minutes."""
    from datetime import timedelta
    from babel import Locale
    from babel.units import format_unit
    from flask_babel import get_locale
    if value is None:
        return ""
    minutes = value.total_seconds() / 60 if isinstance(value, timedelta) else float(value)
    if minutes < 120:
        amount, unit = round(minutes), "minute"
    elif minutes < 48 * 60:
        amount, unit = round(minutes / 60, 1), "hour"
    else:
        amount, unit = round(minutes / 1440, 1), "day"
    if amount == int(amount):
        amount = int(amount)
    locale = get_locale() or Locale.parse("vi")
    # Babel's Vietnamese has only the short forms ("giờ"); asked for long, it prints "hour"
    length = "long" if "long" in locale._data["unit_patterns"].get(f"duration-{unit}", {}) else "short"
    return format_unit(amount, f"duration-{unit}", length=length, locale=locale)
