"""A deterministic corpus of Korean news articles for benchmarks and demo data.

`generate(n)` returns the same `n` articles for the same `seed` on every machine:
Korean titles, excerpts and ~2,000-character HTML bodies with `<h2>` headings,
three categories each (from CATEGORIES), one or two bylines, and publish times
one hour apart going back from `start`. The writers turn them into what each
loader reads:

- `article_fixture()`: a `loaddata` fixture for our models (natural keys, no
  pks, like `fixtures/seed.json`);
- `write_documents()`: front-matter documents for `manage.py import_posts`;
- `plain_fixture()`: the same rows for the bare-Django floor in
  `benchmarks/plain/` (a plain model with taggit tags).

The text is made of real news vocabulary in grammatical Korean sentence
patterns (noun + particle ... verb ending), not lorem ipsum, so the search
analyser, the sanitiser and NFC normalisation see what a newsroom writes.
Nothing here touches a database or imports Django.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

CATEGORIES = (
    ("정치", "politics"),
    ("경제", "economy"),
    ("사회", "society"),
    ("국제", "world"),
    ("문화", "culture"),
    ("스포츠", "sports"),
    ("과학", "science"),
    ("IT", "it"),
    ("지역", "local"),
    ("사설", "editorial"),
    ("환경", "environment"),
    ("교육", "education"),
)
REPORTERS = (
    "김민수", "이서연", "박지훈", "최유진", "정현우", "강하은", "조성민", "윤지아",
    "장도윤", "임수빈", "한예린", "오준호",
)  # fmt: skip
NOUNS = (
    "정부", "국회", "대통령", "장관", "위원회", "예산안", "법안", "개정안", "선거",
    "여당", "야당", "대표", "시장", "지자체", "서울시", "부산시", "경기도", "주민",
    "시민", "학생", "교사", "학교", "대학", "병원", "의료진", "환자", "기업",
    "반도체", "수출", "물가", "금리", "한국은행", "환율", "주가", "부동산", "전세",
    "아파트", "일자리", "청년", "노동자", "임금", "노조", "협상", "합의", "정책",
    "제도", "규제", "지원금", "보조금", "세금", "복지", "연금", "인구", "출산율",
    "고령화", "기후", "폭염", "장마", "태풍", "미세먼지", "탄소", "에너지", "원전",
    "태양광", "전기차", "배터리", "인공지능", "데이터", "플랫폼", "스타트업",
    "연구진", "실험", "우주", "위성", "발사체", "축구", "야구", "대표팀", "감독",
    "선수", "경기", "우승", "관객", "영화", "공연", "전시", "작가", "소설", "문화재",
    "축제", "관광객", "항공", "철도", "지하철", "버스", "도로", "교통", "사고",
    "경찰", "검찰", "법원", "재판", "판결", "수사", "조사", "보고서", "통계", "조사",
    "여론", "외교", "정상회담", "회담", "동맹", "무역", "관세", "공급망", "협력",
    "지역", "농가", "어민", "수확", "가격", "소비자", "시장", "매출", "투자",
)  # fmt: skip
# (after a final consonant, after a vowel); the same particle when it never changes.
PARTICLES = (("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("의", "의"),
             ("에", "에"), ("에서", "에서"), ("도", "도"))  # fmt: skip
SUBJECT_PARTICLES = PARTICLES[:2]
HEADLINE_WORDS = ("발표", "추진", "논란", "합의", "확대", "검토", "비상", "첫 공개",
                  "속도", "제동", "반발", "급증")  # fmt: skip
ADVERBS = (
    "크게", "다시", "처음으로", "지난해보다", "올해", "내년부터", "당분간", "이번 주",
    "오는 10일", "지난달", "꾸준히", "빠르게", "사실상", "공식적으로", "잠정적으로",
)  # fmt: skip
VERBS = (
    "발표했다", "밝혔다", "강조했다", "설명했다", "전했다", "지적했다", "예상된다",
    "늘었다", "줄었다", "올랐다", "내렸다", "합의했다", "논의했다", "검토하고 있다",
    "추진하기로 했다", "우려를 나타냈다", "관심을 끌고 있다", "필요하다고 말했다",
    "나타났다", "확인됐다", "결정했다", "요구했다", "반발했다", "기대를 모으고 있다",
)  # fmt: skip
QUOTE_VERBS = ("고 말했다", "고 덧붙였다", "고 했다", "고 강조했다")
BODY_CHARS = 2_000


@dataclass(frozen=True)
class Post:
    key: str
    title: str
    slug: str
    excerpt: str
    body: str
    categories: tuple[str, ...]
    authors: tuple[str, ...]
    publish_at: dt.datetime
    front_matter: dict = field(default_factory=dict)


def with_particle(word: str, particle: tuple[str, str]) -> str:
    """`word` and the form of `particle` its last syllable takes (은/는, 이/가...)."""
    last = ord(word[-1]) - 0xAC00
    closed = 0 <= last < 11172 and last % 28 != 0
    return word + particle[0 if closed else 1]


def _phrase(rng: random.Random) -> str:
    return with_particle(rng.choice(NOUNS), rng.choice(PARTICLES))


def sentence(rng: random.Random) -> str:
    """One news sentence: a subject, two to four phrases, an adverb, a verb."""
    subject = with_particle(rng.choice(NOUNS), rng.choice(SUBJECT_PARTICLES))
    middle = " ".join(_phrase(rng) for _ in range(rng.randint(2, 4)))
    if rng.random() < 0.15:
        quoted = f"{rng.choice(NOUNS)} {rng.choice(NOUNS)} 문제를 풀어야 한다"
        role = rng.choice(("위원장", "대변인", "교수"))
        speaker = with_particle(f"{rng.choice(REPORTERS)} {role}", ("은", "는"))
        return f"{speaker} \u201c{quoted}\u201d{rng.choice(QUOTE_VERBS)}."
    number = f" {rng.randint(2, 98)}%" if rng.random() < 0.2 else ""
    return f"{subject} {middle}{number} {rng.choice(ADVERBS)} {rng.choice(VERBS)}."


def _paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))


def _body(rng: random.Random, chars: int) -> tuple[str, str]:
    """An HTML body of about `chars` characters of text, and its first sentence."""
    parts: list[str] = []
    lead = _paragraph(rng)
    parts.append(f"<p>{lead}</p>")
    length = len(lead)
    while length < chars:
        if rng.random() < 0.3:
            heading = f"{rng.choice(NOUNS)} {rng.choice(NOUNS)}의 쟁점"
            parts.append(f"<h2>{heading}</h2>")
            length += len(heading)
        paragraph = _paragraph(rng)
        parts.append(f"<p>{paragraph}</p>")
        length += len(paragraph)
    return "\n\n".join(parts), lead.split(". ")[0] + "."


def generate(
    n: int = 5_000,
    *,
    seed: int = 8,
    start: dt.datetime | None = None,
    body_chars: int = BODY_CHARS,
) -> list[Post]:
    """`n` articles, identical for identical arguments."""
    rng = random.Random(seed)
    start = start or dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    names = [name for name, _ in CATEGORIES]
    posts = []
    for i in range(n):
        body, lead = _body(rng, body_chars)
        first, second, third = rng.sample(NOUNS, 3)
        title = f"{first}, {second} {third} {rng.choice(HEADLINE_WORDS)}"
        if rng.random() < 0.4:
            title += f"… {with_particle(rng.choice(NOUNS), ('은', '는'))} 신중"
        posts.append(
            Post(
                key=f"bench-{seed}-{i:06d}",
                title=title,
                slug=f"{first}-{second}-{third}-{i:06d}",
                excerpt=lead,
                body=body,
                categories=tuple(rng.sample(names, 3)),
                authors=tuple(rng.sample(REPORTERS, rng.randint(1, 2))),
                publish_at=start - dt.timedelta(hours=i),
            )
        )
    return posts


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def category_slug(name: str) -> str:
    return dict(CATEGORIES).get(name, name)


def article_fixture(posts: list[Post]) -> list[dict]:
    """A fixture for `articles`: categories, articles, their category rows."""
    used = dict.fromkeys(name for post in posts for name in post.categories)
    rows: list[dict] = [
        {
            "model": "articles.category",
            "fields": {"name": name, "slug": category_slug(name), "description": ""},
        }
        for name in used
    ]
    for post in posts:
        when = _iso(post.publish_at)
        rows.append(
            {
                "model": "articles.article",
                "fields": {
                    "title": post.title,
                    "slug": post.slug,
                    "document_key": post.key,
                    "excerpt": post.excerpt,
                    "feature_text": "",
                    "body": post.body,
                    "body_format": "html",
                    "status": "published",
                    "publish_at": when,
                    "first_published_at": when,
                    "created_at": when,
                    "updated_at": when,
                    "front_matter": post.front_matter,
                },
            }
        )
    for post in posts:
        rows.extend(
            {
                "model": "articles.categorizedarticle",
                "fields": {"content_object": [post.key], "tag": [name]},
            }
            for name in post.categories
        )
    return rows


def plain_fixture(posts: list[Post], *, app_label: str = "plain") -> list[dict]:
    """The same rows for a plain model with taggit's own tags (integer pks)."""
    used = list(dict.fromkeys(name for post in posts for name in post.categories))
    tag_pk = {name: pk for pk, name in enumerate(used, start=1)}
    rows: list[dict] = [
        {
            "model": "taggit.tag",
            "pk": tag_pk[name],
            "fields": {"name": name, "slug": category_slug(name)},
        }
        for name in used
    ]
    for pk, post in enumerate(posts, start=1):
        when = _iso(post.publish_at)
        rows.append(
            {
                "model": f"{app_label}.post",
                "pk": pk,
                "fields": {
                    "title": post.title,
                    "slug": post.slug,
                    "document_key": post.key,
                    "excerpt": post.excerpt,
                    "body": post.body,
                    "status": "published",
                    "publish_at": when,
                    "created_at": when,
                    "updated_at": when,
                },
            }
        )
    item = 1
    for pk, post in enumerate(posts, start=1):
        for name in post.categories:
            rows.append(
                {
                    "model": "taggit.taggeditem",
                    "pk": item,
                    "fields": {
                        "content_type": [app_label, "post"],
                        "object_id": pk,
                        "tag": tag_pk[name],
                    },
                }
            )
            item += 1
    return rows


def document_text(post: Post) -> str:
    """A front-matter document `import_posts` reads (YAML is a superset of JSON)."""
    meta = {
        "id": post.key,
        "title": post.title,
        "slug": post.slug,
        "excerpt": post.excerpt,
        "date": _iso(post.publish_at),
        "categories": list(post.categories),
        "authors": list(post.authors),
        "published": True,
    }
    lines = [
        f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()
    ]
    return "---\n" + "\n".join(lines) + "\n---\n" + post.body + "\n"


def write_documents(posts: list[Post], folder: Path) -> Path:
    """Write one `.html` document per post into `folder`; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for post in posts:
        (folder / f"{post.key}.html").write_text(document_text(post), encoding="utf-8")
    return folder


def write_json(rows: list[dict], path: Path) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path
