"""Refuse free text that identifies a patient: a Vietnamese phone number, a
9- or 12-digit ID (CMND / CCCD), a health-insurance (BHYT) card number, an
e-mail address. Patterns are deliberately narrow so that vitals written as
text ("HA 172/104, mạch 88, 36.5 độ") pass."""
import re

from flask_babel import gettext as _

_SEP = r"[ .\-]?"
# BHYT card: 2 letters (object), 1 digit (benefit level), 2 digits (province), 10 digits.
_BHYT = re.compile(r"(?<![\w])[A-Za-z]{2}" + _SEP + r"\d" + _SEP + r"\d{2}" + _SEP
                   + r"(?:\d" + _SEP + r"){9}\d(?!\d)")
# Phone: +84 / 84 / 0, then 9 digits (mobile) or 10 (landline), separators allowed.
_PHONE = re.compile(r"(?<!\d)(?<!\d[.,])(?:\+84|84|0)" + r"(?:" + _SEP + r"\d){9,10}(?!\d|[.,]\d)")
# ID: 9 (old CMND) or 12 (CCCD) digits, written solid or grouped 4-4-4 / 3-3-3-3.
_ID = re.compile(r"(?<!\d)(?<!\d[.,])(?:\d{12}|\d{9}|\d{4}[ .\-]\d{4}[ .\-]\d{4}|"
                 r"\d{3}[ .\-]\d{3}[ .\-]\d{3}[ .\-]\d{3})(?!\d|[.,]\d)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def identifier_in(text: str | None) -> str | None:
    """A message naming the kind of identifier found, or None."""
    if not text:
        return None
    if _EMAIL.search(text):
        return _("This looks like an e-mail address. Remove it: the patient must not be identifiable.")
    if _BHYT.search(text):
        return _("This looks like a health-insurance (BHYT) card number. Remove it: "
                 "the patient must not be identifiable.")
    if _PHONE.search(text):
        return _("This looks like a phone number. Remove it: the patient must not be identifiable.")
    if _ID.search(text):
        return _("This looks like an ID number. Remove it: the patient must not be identifiable.")
    return None


def check_fields(values: dict) -> dict:
    """{field: message} for every field whose text holds an identifier."""
    return {name: msg for name, text in values.items() if (msg := identifier_in(text))}
