"""The token list with the few ways the rules look around a token. Each
helper looks a bounded number of tokens away and counts its steps.

The lists are padded with empty newline tokens at the end, so a rule may
look up to PAD tokens past either end without a bounds check (index -1 is
the padding too)."""
from dataclasses import dataclass
from functools import lru_cache

from mentoring.cases.deident.tokens import DIGITS, NEWLINE, OTHER, SPACE, WORD, Steps, Token, fold

PAD = 16
# Punctuation that may sit between a keyword and what it introduces ("SĐT: 09...", "CCCD số 0...").
_LEAD_PUNCT = frozenset(":-.,#=()")


@dataclass(frozen=True)
class Hit:
    """What a rule found: a kind and the tokens it spans (end exclusive)."""
    kind: str
    first: int
    end: int


@lru_cache(maxsize=4096)
def folded_word(word: str) -> str:
    return fold(word)


class Scan:
    def __init__(self, tokens: list[Token], steps: Steps):
        self.tokens = tokens
        self.n = len(tokens)
        self.steps = steps
        self.kinds = [t.kind for t in tokens] + [NEWLINE] * PAD
        self.texts = [t.text for t in tokens] + [""] * PAD
        self._folded: dict[int, str] = {}

    def __len__(self) -> int:
        return self.n

    def folded(self, k: int) -> str:
        """The token's text casefolded without diacritics."""
        return folded_word(self.texts[k])

    def words_before(self, k: int, n: int, reach: int = 8) -> list[str]:
        """Up to n folded words before token k, nearest last, looking at most
        `reach` tokens back across spaces and light punctuation."""
        out: list[str] = []
        kinds, texts = self.kinds, self.texts
        i = k - 1
        while i >= 0 and k - i <= reach and len(out) < n:
            self.steps.n += 1
            kind = kinds[i]
            if kind == WORD:
                out.append(folded_word(texts[i]))
            elif kind == NEWLINE or kind == DIGITS or (kind == OTHER and texts[i] not in _LEAD_PUNCT):
                break
            i -= 1
        out.reverse()
        return out

    def ends_with(self, k: int, table: frozenset, longest: int) -> bool:
        """Do the words right before token k end with one of `table`'s phrases (tuples of folded words)?"""
        return ends_with(self.words_before(k, longest), table, longest)

    def skip(self, k: int, *, punct: str = "", most: int = 3) -> int:
        """The first token at or after k that is not a space (or one of
        `punct`), looking at most `most` tokens ahead."""
        i = k
        kinds, texts = self.kinds, self.texts
        while i - k < most and (kinds[i] == SPACE or (punct and kinds[i] == OTHER and texts[i] in punct)):
            self.steps.n += 1
            i += 1
        return i

    def span(self, hit: Hit) -> tuple[int, int]:
        return self.tokens[hit.first].start, self.tokens[hit.end - 1].end


def ends_with(words: list[str], table: frozenset, longest: int) -> bool:
    return any(tuple(words[len(words) - size:]) in table for size in range(1, min(longest, len(words)) + 1))


def phrases(*items: str) -> tuple[frozenset, int]:
    """A set of keyword phrases as tuples of folded words, and the longest length."""
    made = frozenset(tuple(fold(item).split()) for item in items)
    return made, max(len(p) for p in made)


def last_words(table: tuple[frozenset, int]) -> frozenset:
    """The words a phrase of `table` may end with (a cheap first test)."""
    return frozenset(p[-1] for p in table[0])


def is_title(word: str) -> bool:
    """Capitalised like a name: "Tám", "Nguyễn" (or a single capital initial)."""
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower())


def is_upper(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


__all__ = ["DIGITS", "NEWLINE", "OTHER", "SPACE", "WORD", "Hit", "Scan", "ends_with", "folded_word",
           "is_title", "is_upper", "last_words", "phrases"]
