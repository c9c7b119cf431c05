from tests.competency.helpers import loaded, sessions_stand_in  # noqa: F401  (fixtures)
