"""The response report: how fast each tier answers, and how many cases end
managed at the station, per province and tier (the measure of what the
cascade teaches). SQL does the grouping; a fixed number of queries
whatever the number of cases (tests/cases count them)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case as sql_case, func, select

from mentoring import clock
from mentoring.cases.models import Case
from mentoring.cases.services import limit_for
from mentoring.extensions import db
from mentoring.org.models import Province
from mentoring.org.services import tier_codes


@dataclass
class ResponseRow:
    tier: str
    province: str
    cases: int
    answered: int
    median_minutes: float | None
    p90_minutes: float | None
    within_limit_share: float | None


def _percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    values = sorted(values)
    rank = max(1, -(-len(values) * p // 100))
    return values[int(rank) - 1]


def response_report(since: datetime | None = None, until: datetime | None = None
                    ) -> tuple[list[ResponseRow], list[ResponseRow]]:
    """Time to first answer by the tier first asked and by province. A case
    still unanswered counts against the share once its limit has passed; cases
    still inside their limit are left out of the share. One query."""
    until = until or clock.now()
    since = since or until - timedelta(days=90)
    rows = db.session.execute(
        select(Case.first_tier_code, Province.name, Case.urgency, Case.sent_at, Case.first_answer_at)
        .outerjoin(Province, Province.code == Case.province_code)
        .where(Case.sent_at.is_not(None), Case.sent_at >= since, Case.sent_at < until)).all()
    now = clock.now()

    def build(key_of) -> list[ResponseRow]:
        groups: dict = {}
        for row in rows:
            groups.setdefault(key_of(row), []).append(row)
        out = []
        for (tier, province), items in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
            minutes = [(r.first_answer_at - r.sent_at).total_seconds() / 60 for r in items
                       if r.first_answer_at]
            judged = [r for r in items if r.first_answer_at
                      or now - r.sent_at > limit_for(r.urgency, r.first_tier_code)]
            within = [r for r in judged if r.first_answer_at
                      and r.first_answer_at - r.sent_at <= limit_for(r.urgency, r.first_tier_code)]
            out.append(ResponseRow(tier=tier or "", province=province or "", cases=len(items),
                                   answered=len(minutes),
                                   median_minutes=_percentile(minutes, 50),
                                   p90_minutes=_percentile(minutes, 90),
                                   within_limit_share=len(within) / len(judged) if judged else None))
        return out
    return build(lambda r: (r.first_tier_code, "")), build(lambda r: ("", r.name or "?"))


@dataclass
class OutcomeRow:
    province: str
    tier: str            # the asker's tier
    cases: int           # sent in the period
    coded: int           # with a coded outcome
    managed: int         # managed at the station
    referred: int

    @property
    def managed_share(self) -> float | None:
        """Of the cases with a coded outcome other than "unknown"."""
        return self.managed / self.coded if self.coded else None


def outcome_report(since: datetime | None = None, until: datetime | None = None) -> list[OutcomeRow]:
    """Per province and the asker's tier: how many cases ended managed at the
    station, the measure of what the cascade teaches. One query (SQL
    aggregates); tiers in the order of the tiers table, each province
    followed by its total (tier "")."""
    until = until or clock.now()
    since = since or until - timedelta(days=90)
    coded = and_(Case.outcome_code.is_not(None), Case.outcome_code != "unknown")
    rows = db.session.execute(
        select(Province.name, Case.asker_tier_code, func.count(Case.id),
               func.sum(sql_case((coded, 1), else_=0)),
               func.sum(sql_case((Case.outcome_code == "managed_at_station", 1), else_=0)),
               func.sum(sql_case((Case.outcome_code == "referred", 1), else_=0)))
        .outerjoin(Province, Province.code == Case.province_code)
        .where(Case.sent_at.is_not(None), Case.sent_at >= since, Case.sent_at < until)
        .group_by(Province.name, Case.asker_tier_code)).all()
    order = {code: n for n, code in enumerate(tier_codes())}
    out: list[OutcomeRow] = []
    by_province: dict = {}
    for name, tier, cases, coded_n, managed, referred in rows:
        by_province.setdefault(name or "?", []).append(
            OutcomeRow(name or "?", tier, cases, int(coded_n or 0), int(managed or 0), int(referred or 0)))
    for name in sorted(by_province):
        items = sorted(by_province[name], key=lambda r: order.get(r.tier, len(order)))
        out.extend(items)
        if len(items) > 1:
            out.append(OutcomeRow(name, "", *(sum(getattr(r, f) for r in items)
                                             for f in ("cases", "coded", "managed", "referred"))))
    return out
