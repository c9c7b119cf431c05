"""Normalise free text and cut it into tokens, in one linear pass.

Every rule of the identifier check walks this token list with a bounded
look-around, so the work grows with the length of the text and nothing
else. The only regular expressions are the tokenizer (alternatives that
begin with disjoint character classes, each a single greedy run: nothing
to backtrack into) and two bracketed-word substitutions with bounded
repeats. `Steps` counts the work so a test can prove the growth is linear."""
import re
import unicodedata
from dataclasses import dataclass

# Longer texts are refused before any pattern runs (a PDF's text is capped
# at 200,000 characters by mentoring.uploads; every form field is far shorter).
MAX_CHARS = 250_000

DIGITS, WORD, SPACE, NEWLINE, OTHER = "D", "W", "S", "N", "P"

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"}
# The @ and the dot said in words: a[at]gmail.com, a (at) gmail, a a còng gmail.
_AT_WORD = re.compile(r"[\[({<] {0,2}(?:at|a còng|acong) {0,2}[\])}>]|\ba còng\b", re.IGNORECASE)
_DOT_WORD = re.compile(r"[\[({<] {0,2}(?:dot|chấm) {0,2}[\])}>]", re.IGNORECASE)
_TOKEN = re.compile(r"(\d+)|([^\W\d_]+)|([^\S\n]+)|(\n+)|(.)", re.DOTALL)
_KINDS = (None, DIGITS, WORD, SPACE, NEWLINE, OTHER)


class Steps:
    """Work done by a scan: tokens made plus every step of every rule."""
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def normalise(text: str) -> str:
    """Unicode NFKC (full-width digits and ＠ become 0-9 and @, ligatures
    split), invisible characters dropped, every dash a hyphen, [at] an @."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DASHES)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _DOT_WORD.sub(".", _AT_WORD.sub("@", text))


def tokenize(text: str, steps: Steps) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        tokens.append(Token(_KINDS[match.lastindex], match.group(), match.start()))
    steps.n += len(tokens)
    return tokens


def fold(word: str) -> str:
    """Casefold without diacritics (đ -> d): "Bệnh nhân" -> "benh nhan"."""
    word = word.casefold().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
