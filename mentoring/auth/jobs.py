"""Housekeeping for accounts."""
from datetime import timedelta

from sqlalchemy import delete

from mentoring import clock
from mentoring.auth.models import ApiToken
from mentoring.extensions import db


def purge_old_tokens() -> None:
    """Expired or revoked tokens are kept 30 days (for audit), then removed."""
    cutoff = clock.now() - timedelta(days=30)
    db.session.execute(delete(ApiToken).where(ApiToken.expires_at < cutoff))
    db.session.execute(delete(ApiToken).where(ApiToken.revoked_at < cutoff))


JOBS = [("auth.purge_old_tokens", purge_old_tokens, 24 * 3600)]
