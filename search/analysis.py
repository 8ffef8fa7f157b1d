"""Korean-aware text analysis: one set of rules turns articles and queries into
the strings search compares. This module has no database access.

What matches (the README's search paragraph says the same for readers):

* Text and query are normalised alike: NFC (``articles.text.nfc``), then NFKC
  (full-width Latin, circled digits, ``㈜``), then case folding. Compatibility
  jamo that NFKC turned into conjoining ones are mapped back (``ㅂㅂ`` stays).
* Every character that is not a letter or a digit (spaces, punctuation,
  hyphens, ``·``) is a separator, and separators between two Hangul characters
  are dropped: Korean spacing is loose, so ``서울 시청``, ``서울시청`` and
  ``서울-시청`` are all ``서울시청``. Elsewhere a separator is one space
  (``covid-19`` is ``covid 19``). This is the *compact* form.
* A query is cut on whitespace into words; each word, in compact form, must
  occur as a substring of the article's compact title, excerpt, feature text,
  a category name or body (all words must match; each is a phrase). So ``관세``
  finds ``관세를`` and ``관세가``, ``북`` finds ``북한`` and ``남북``, ``covid``
  finds ``covid19``; ``서울 시청`` (two words) also finds ``서울시청``.
* A query word ending in a particle of PARTICLES also finds the bare noun
  (``관세를`` finds ``관세가``) when at least two syllables remain and the word is
  not in NEVER_STRIP (``고양이`` is not ``고양`` + ``이``). Typed and stripped forms
  are searched together; since the stripped form is a substring of the typed
  one, an article matches when it contains the stripped form.
* A query word of initial consonants only (``ㅂㅂ``) also matches the initial
  consonants of the title and category names (초성 검색; in bodies they would
  match almost anything).

The index holds each article's distinct character unigrams and bigrams of that
compact text; a query's bigrams pick candidate rows from it and the substring
test on the candidates decides (``search.backends``). Every article containing
the phrase holds all of its bigrams, so recall is complete by construction.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html import unescape

from articles import rendering
from articles.text import nfc

MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 10
# Candidate selection needs only a few of a phrase's bigrams: the substring
# test on the candidates does the rest, and fewer index lookups are faster.
MAX_PHRASE_TERMS = 6

CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_FIRST_SYLLABLE = 0xAC00
_SYLLABLES_PER_INITIAL = 21 * 28

# NFKC maps compatibility jamo to conjoining jamo; map the initials back.
_CONJOINING_TO_COMPATIBILITY = {0x1100 + i: jamo for i, jamo in enumerate(CHOSEONG)}
_CONJOINING_INITIAL = re.compile("[\u1100-\u1112]")

_HANGUL_CHARS = "\uac00-\ud7a3\u3131-\u318e"
_SEPARATORS = re.compile(r"[\W_]+")
_HANGUL_GAP = re.compile(f"(?<=[{_HANGUL_CHARS}]) (?=[{_HANGUL_CHARS}])")
_SYLLABLE_RUN = re.compile("[\uac00-\ud7a3]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Separates fields inside one compact document: never part of a compact text.
FIELD_SEPARATOR = "|"
# A document with more distinct terms than this (only pathological text: real
# 50,000-character bodies have far fewer) is indexed by OVERFLOW alone, which
# every query also matches, so the substring test still decides and nothing
# is missed; PostgreSQL's tsvector must stay under 1 MB. OVERFLOW is longer
# than any real term (those are one or two characters).
MAX_TERMS = 50_000
OVERFLOW = "overflow"

# Particles stripped from the end of a query word, longest first.
PARTICLES = tuple(
    sorted(
        "은 는 이 가 을 를 의 에 에서 에게 께 께서 한테 으로 로 와 과 도 만 "
        "부터 까지 보다 처럼 마다 이나 이란 이라는".split(),
        key=len,
        reverse=True,
    )
)
# Words whose ending only looks like a particle.
NEVER_STRIP = frozenset(
    "고양이 사이 아이 어린이 원숭이 호랑이 젊은이 늙은이 지팡이 "
    "민주주의 자본주의 사회주의 공산주의 자유주의 보호주의 개인주의 "
    "한반도 경기도 강원도 충청도 전라도 경상도 제주도 울릉도 "
    "만족도 신뢰도 지지도 인지도 선호도 의존도 가속도 "
    "전문가 예술가 정치가 평론가 소설가 작곡가 건축가 "
    "고속도로 소아과 피부과 이비인후과".split()
)


def normalise(text: str) -> str:
    """Compose, fold compatibility forms and case, as both index and query need."""
    text = unicodedata.normalize("NFKC", nfc(text or ""))
    if _CONJOINING_INITIAL.search(text):
        text = text.translate(_CONJOINING_TO_COMPATIBILITY)
    return text.casefold()


def compact(text: str) -> str:
    """The compact form: normalised, separators unified, Hangul spacing dropped."""
    spaced = _SEPARATORS.sub(" ", normalise(text)).strip()
    return _HANGUL_GAP.sub("", spaced)


# Block elements become a space so words on either side stay apart; tags are
# found by the pattern for sanitised HTML (articles.rendering.TAG).
_BLOCK_ELEMENTS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote figure figcaption table "
    "thead tbody tfoot tr td th caption br hr div pre img".split()
)


# The block elements' tags alone (the same tag grammar), replaced first, so
# that neither pass calls back into Python for each tag.
_BLOCK_NAMES = "|".join(sorted(_BLOCK_ELEMENTS, key=len, reverse=True))
_BLOCK_TAG = re.compile(
    rf"""</?(?:{_BLOCK_NAMES})(?![a-zA-Z0-9])(?:"[^"]*"|'[^']*'|[^'">])*>""",
    re.IGNORECASE,
)


def body_text(html: str) -> str:
    """The readable text of sanitised body HTML; block elements keep words apart."""
    return unescape(rendering.TAG.sub("", _BLOCK_TAG.sub(" ", html or "")))


def body_compact(html: str) -> str:
    """The compact form of sanitised body HTML's text: what the index holds."""
    return compact(body_text(html))


def initial_consonants(syllables: str) -> str:
    return "".join(
        CHOSEONG[(ord(char) - _FIRST_SYLLABLE) // _SYLLABLES_PER_INITIAL]
        for char in syllables
    )


def initials(text: str) -> str:
    """The initial consonants of each Hangul run (``방북 회담`` -> ``ㅂㅂㅎㄷ``)."""
    return " ".join(
        initial_consonants(run) for run in _SYLLABLE_RUN.findall(compact(text))
    )


def grams(text: str) -> set[str]:
    """Distinct unigrams and bigrams of compact text, never across a gap."""
    found: set[str] = set()
    for chunk in text.replace(FIELD_SEPARATOR, " ").split():
        found.update(chunk)
        found.update(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return found


def terms(document: str, *, also: Iterable[str] = ()) -> set[str]:
    """The index terms of a compact document: its grams, with `also` (the grams
    of a part of it worked out before), or OVERFLOW past MAX_TERMS."""
    found = grams(document)
    found.update(also)
    return found if len(found) <= MAX_TERMS else {OVERFLOW}


def phrase_terms(phrase: str) -> list[str]:
    """The few index terms that pick candidates for one compact phrase."""
    chunks = phrase.split()
    grams = [c[i : i + 2] for c in chunks for i in range(len(c) - 1)]
    grams += [c for c in chunks if len(c) == 1]
    if len(grams) > MAX_PHRASE_TERMS:
        step = (len(grams) - 1) / (MAX_PHRASE_TERMS - 1)
        grams = [grams[round(i * step)] for i in range(MAX_PHRASE_TERMS)]
    return list(dict.fromkeys(grams))


def strip_particle(word: str) -> str | None:
    """The bare noun of a word ending in a listed particle, or None."""
    if word in NEVER_STRIP or not _SYLLABLE_RUN.fullmatch(word):
        return None
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return None


@dataclass(frozen=True)
class Phrase:
    """One query word: the forms to highlight and the one an article must hold."""

    forms: tuple[str, ...]

    @property
    def match(self) -> str:
        # Every form contains the shortest, so "typed or stripped" is "shortest".
        return min(self.forms, key=len)

    @property
    def terms(self) -> list[str]:
        return phrase_terms(self.match)

    @property
    def decided_by_index(self) -> bool:
        """True when holding the phrase's one term is holding the phrase.

        A phrase of one or two characters with no gap is itself an index term
        (a unigram or a bigram of one chunk), so the index alone decides it and
        no substring test is needed, except on OVERFLOW documents.
        """
        return len(self.match) <= 2 and " " not in self.match


@dataclass(frozen=True)
class Query:
    """A reader's query: the text to show back, and the phrases to match."""

    text: str
    phrases: tuple[Phrase, ...]

    def __bool__(self) -> bool:
        return bool(self.phrases)

    @property
    def forms(self) -> list[str]:
        return [form for phrase in self.phrases for form in phrase.forms]


def parse_query(raw: str) -> Query:
    """Normalise and bound a reader's query, then turn each word into a phrase.

    At most MAX_QUERY_CHARS characters and MAX_QUERY_WORDS words are used, and
    each phrase selects candidates by at most MAX_PHRASE_TERMS terms, so no
    query can make the database do unbounded work.
    """
    text = " ".join(_CONTROL.sub(" ", nfc(raw or "")).split())[:MAX_QUERY_CHARS]
    text = text.strip()
    phrases: list[Phrase] = []
    for word in text.split()[:MAX_QUERY_WORDS]:
        typed = compact(word)
        if not typed:
            continue
        stripped = strip_particle(typed)
        forms = (typed,) if stripped is None else (typed, stripped)
        phrase = Phrase(forms)
        if phrase not in phrases:
            phrases.append(phrase)
    return Query(text, tuple(phrases))
