"""Korean-aware text analysis: one set of rules turns articles and queries into terms.

Why not words: Korean particles stick to nouns (``서울시는``, ``방북을``), so a
whitespace tokenizer never sees the bare noun, and most Korean nouns are two
syllables, shorter than the three characters a trigram index needs. So:

* Text is normalised first: NFC (``articles.text.nfc``), then NFKC, which turns
  full-width Latin, circled digits and ``㈜`` into plain characters, then
  case-folded. NFKC turns compatibility jamo (``ㅂ``) into conjoining ones; those
  that did not combine into a syllable are mapped back, so ``ㅂㅂ`` stays ``ㅂㅂ``.
* The text is cut into runs of one script. Hangul syllables, initial-consonant
  jamo and CJK ideographs or kana become overlapping character bigrams
  (``보스토치니`` -> ``보스 스토 토치 치니``); a one-character run stays a unigram
  (``북-러`` -> ``북 러``). Any other run of letters and digits is one lowercased
  word (``Putin`` -> ``putin``). Everything else (spaces, punctuation) separates
  runs and is dropped.
* Each Hangul run also yields its initial consonants (``방북`` -> ``ㅂㅂ``), made
  into bigrams the same way, so initial-consonant search (초성 검색) works. The
  index keeps them only for titles and category names: initial-consonant
  bigrams are very unspecific, and in longer text they would match almost
  anything.

A query is cut on whitespace into words, and each word becomes a phrase: its
terms must appear next to each other, in order, inside one field. So ``방북``
matches only text where the two syllables touch, never ``방 ... 북`` apart, and
``북-러`` matches ``북-러`` and ``북·러``. All words of a query must match (AND).
The last term of a phrase matches as a prefix when it is a Latin word of two or
more characters (``covid`` finds ``covid19``) or when the whole word is a single
syllable (``북`` finds ``북한``). Known limits of bigrams: a query written without
the spaces the text has (``서울시청`` against ``서울 시청``) does not match, and a
single syllable is found only at the start of a run.

The database side (PostgreSQL tsvector or the fallback's term strings) lives in
``search.indexing`` and ``search.query``; this module has no database access.
"""

import re
import unicodedata
from dataclasses import dataclass

from articles.text import nfc

MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 10
MAX_QUERY_TERMS = 40
# Longer "words" are almost always junk (hashes, URLs without punctuation); cut
# them so no single term can grow without bound.
MAX_WORD_CHARS = 40

CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_FIRST_SYLLABLE = 0xAC00
_SYLLABLES_PER_INITIAL = 21 * 28

# NFKC maps compatibility jamo to conjoining jamo; map the initials back.
_CONJOINING_TO_COMPATIBILITY = {0x1100 + i: jamo for i, jamo in enumerate(CHOSEONG)}
_CONJOINING_INITIAL = re.compile("[\u1100-\u1112]")

HANGUL, INITIALS, IDEOGRAPHS, WORD = "hangul", "initials", "ideographs", "word"
_BIGRAM_KINDS = {HANGUL, INITIALS, IDEOGRAPHS}

_SYLLABLE_CHARS = "\uac00-\ud7a3"
_INITIAL_CHARS = "\u3131-\u314e"
_IDEOGRAPH_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Jamo that did not combine (vowels, finals, old Hangul) are separators.
_OTHER_JAMO = "\u1100-\u11ff\u3130\u314f-\u318f\ua960-\ua97f\ud7b0-\ud7ff"
_RUN = re.compile(
    f"(?P<{HANGUL}>[{_SYLLABLE_CHARS}]+)"
    f"|(?P<{INITIALS}>[{_INITIAL_CHARS}]+)"
    f"|(?P<{IDEOGRAPHS}>[{_IDEOGRAPH_CHARS}]+)"
    f"|(?P<{WORD}>[^\\W_{_SYLLABLE_CHARS}{_INITIAL_CHARS}{_IDEOGRAPH_CHARS}{_OTHER_JAMO}]+)"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def normalise(text: str) -> str:
    """Compose, fold compatibility forms and case, as both index and query need."""
    text = unicodedata.normalize("NFKC", nfc(text or ""))
    if _CONJOINING_INITIAL.search(text):
        text = text.translate(_CONJOINING_TO_COMPATIBILITY)
    return text.casefold()


def runs(text: str) -> list[tuple[str, str]]:
    """Split normalised text into (kind, run) pairs of one script each."""
    return [(match.lastgroup, match.group()) for match in _RUN.finditer(text)]


def run_terms(kind: str, run: str) -> list[str]:
    if kind in _BIGRAM_KINDS:
        if len(run) == 1:
            return [run]
        return [run[i : i + 2] for i in range(len(run) - 1)]
    return [run[:MAX_WORD_CHARS]]


def terms(text: str) -> list[str]:
    """The index terms of `text`, in text order."""
    found: list[str] = []
    for kind, run in runs(normalise(text)):
        found.extend(run_terms(kind, run))
    return found


def initial_consonants(syllables: str) -> str:
    return "".join(
        CHOSEONG[(ord(char) - _FIRST_SYLLABLE) // _SYLLABLES_PER_INITIAL]
        for char in syllables
    )


def initial_terms(text: str) -> list[str]:
    """Bigrams of the initial consonants of each Hangul run (``방북`` -> ``ㅂㅂ``)."""
    found: list[str] = []
    for kind, run in runs(normalise(text)):
        if kind == HANGUL:
            found.extend(run_terms(INITIALS, initial_consonants(run)))
    return found


@dataclass(frozen=True)
class Phrase:
    """Terms that must stand next to each other; the last may be a prefix."""

    terms: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """A reader's query: the text to show back, and the phrases to match."""

    text: str
    phrases: tuple[Phrase, ...]

    def __bool__(self) -> bool:
        return bool(self.phrases)


def parse_query(raw: str) -> Query:
    """Normalise and bound a reader's query, then turn each word into a phrase.

    At most MAX_QUERY_CHARS characters, MAX_QUERY_WORDS words and MAX_QUERY_TERMS
    terms are used, so no query can make the database do unbounded work.
    """
    text = " ".join(_CONTROL.sub(" ", nfc(raw or "")).split())[:MAX_QUERY_CHARS]
    text = text.strip()
    phrases: list[Phrase] = []
    budget = MAX_QUERY_TERMS
    for word in text.split()[:MAX_QUERY_WORDS]:
        word_runs = runs(normalise(word))
        if not word_runs:
            continue
        word_terms = [term for kind, run in word_runs for term in run_terms(kind, run)]
        if len(word_terms) > budget:
            break
        budget -= len(word_terms)
        last_kind, last_run = word_runs[-1]
        prefix = (last_kind == WORD and len(last_run) >= 2) or (
            len(word_runs) == 1 and len(last_run) == 1 and last_kind != WORD
        )
        phrase = Phrase(tuple(word_terms), prefix)
        if phrase not in phrases:
            phrases.append(phrase)
    return Query(text, tuple(phrases))
