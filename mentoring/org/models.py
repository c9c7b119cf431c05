"""The 1-4-4-2 cascade: tiers, administrative units, facilities, groups."""
import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring import clock
from mentoring.db_types import UTCDateTime
from mentoring.extensions import db

class Tier(db.Model):
    """A level of the health system. Rows come from the first migration;
    rank orders them (1 = central, the top of the cascade)."""
    __tablename__ = "tiers"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, unique=True)


class Province(db.Model):
    """A province-level unit, imported from the vietnam-provinces package."""
    __tablename__ = "provinces"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    division_type: Mapped[str] = mapped_column(String(60))
    codename: Mapped[str] = mapped_column(String(120))


class Commune(db.Model):
    """A commune, ward or special zone (level 2 since the 2025 reform)."""
    __tablename__ = "communes"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    province_code: Mapped[int] = mapped_column(ForeignKey("provinces.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    division_type: Mapped[str] = mapped_column(String(60))
    codename: Mapped[str] = mapped_column(String(120))

    province = relationship(Province)


class FacilityKind(str, enum.Enum):
    CENTRAL_HOSPITAL = "central_hospital"
    PROVINCIAL_HOSPITAL = "provincial_hospital"
    PROVINCIAL_CDC = "provincial_cdc"
    # Since 2025 the district tier is staffed from regional health centres
    # (Trung tâm y tế khu vực), not from a district administration.
    REGIONAL_HEALTH_CENTRE = "regional_health_centre"
    COMMUNE_HEALTH_STATION = "commune_health_station"


# Which tier each kind of facility sits at.
KIND_TIER = {
    FacilityKind.CENTRAL_HOSPITAL.value: "central",
    FacilityKind.PROVINCIAL_HOSPITAL.value: "provincial",
    FacilityKind.PROVINCIAL_CDC.value: "provincial",
    FacilityKind.REGIONAL_HEALTH_CENTRE.value: "district",
    FacilityKind.COMMUNE_HEALTH_STATION.value: "commune",
}


class Facility(db.Model):
    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    tier_code: Mapped[str] = mapped_column(ForeignKey("tiers.code"), index=True)
    province_code: Mapped[int] = mapped_column(ForeignKey("provinces.code"), index=True)
    commune_code: Mapped[int | None] = mapped_column(ForeignKey("communes.code"), index=True)
    # Free text for the area a regional centre covers (e.g. former district names).
    area: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    province = relationship(Province, lazy="joined")
    commune = relationship(Commune, lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "kind IN ('central_hospital', 'provincial_hospital', 'provincial_cdc', "
            "'regional_health_centre', 'commune_health_station')", name="kind"),
        Index("uq_facilities_name_province", "name", "province_code", unique=True),
    )


class MentoringGroup(db.Model):
    """One 1-4-4-2 group: a central doctor and the workers they support."""
    __tablename__ = "mentoring_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    memberships = relationship("GroupMembership", back_populates="group",
                               order_by="GroupMembership.id")


class GroupMembership(db.Model):
    """A person's place in a group, at a tier, for a period. Leaving sets
    left_on; the row stays so history (who was in the group when) is kept."""
    __tablename__ = "group_memberships"
    __table_args__ = (
        CheckConstraint("role IN ('mentor', 'member')", name="role"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="dates"),
        # One current membership per person per group.
        Index("uq_group_memberships_current", "group_id", "user_id", unique=True,
              sqlite_where=text("left_on IS NULL"), postgresql_where=text("left_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    tier_code: Mapped[str] = mapped_column(ForeignKey("tiers.code"))
    role: Mapped[str] = mapped_column(String(10), default="member")
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # Optional: the provincial (or district) member who supports this one.
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("group_memberships.id"))

    group = relationship(MentoringGroup, back_populates="memberships")
    user = relationship("User", lazy="joined")
    supervisor = relationship("GroupMembership", remote_side=[id])

    @property
    def current(self) -> bool:
        return self.left_on is None
