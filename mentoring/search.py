"""LIKE patterns from what a person typed. %, _ and the escape character are
literal: "50%" finds "50%", not everything starting with "50"; "_" finds an
underscore, not every one-character match."""
ESCAPE = "\\"


def escape_like(text: str) -> str:
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def containing(text: str) -> str:
    """A pattern for column.like(..., escape=ESCAPE): the text anywhere."""
    return f"%{escape_like(text)}%"


def starting_with(text: str) -> str:
    return f"{escape_like(text)}%"
