"""Generated Korean news text for `manage.py seed_demo`: no database, no Django.

`article(i, rng)` returns one article's text: a headline, an excerpt and a
Markdown body of about 2,000 characters in three sections with `##` headings,
written from news vocabulary in grammatical sentence patterns (noun + particle
... verb ending), so the renderer, the search analyser and the page templates
see what a newsroom writes rather than lorem ipsum. The same index and seed give
the same text on every machine. `image_bytes()` draws a JPEG for the uploads.

benchmarks/corpus.py (the bulk-load benchmark's generator) writes fixtures and
documents for loaders; this one feeds the bulk path of seed_demo. They could
share a vocabulary later.
"""

import random
from dataclasses import dataclass
from io import BytesIO

# 50 categories: 3 per article gives category pages of a few hundred articles
# at 5,000, like a real newsroom's sections and topics.
CATEGORIES = (
    "정치", "경제", "사회", "국제", "문화", "스포츠", "과학", "IT", "교육", "환경",
    "건강", "부동산", "금융", "증시", "산업", "노동", "복지", "외교", "국방", "북한",
    "법원", "검찰", "경찰", "지방자치", "서울", "부산", "대구", "인천", "광주", "대전",
    "날씨", "교통", "여행", "음식", "연예", "영화", "음악", "출판", "미술", "야구",
    "축구", "농구", "골프", "e스포츠", "자동차", "에너지", "기후", "우주", "인공지능",
    "반도체",
)  # fmt: skip
SECTIONS = ("정치", "경제", "사회", "국제", "스포츠")
AUTHORS = (
    ("김민수", "kim-minsu"), ("이서연", "lee-seoyeon"), ("박지훈", "park-jihun"),
    ("최유진", "choi-yujin"), ("정현우", "jung-hyunwoo"), ("강하은", "kang-haeun"),
    ("조성민", "cho-sungmin"), ("윤지아", "yoon-jia"), ("장도윤", "jang-doyun"),
    ("임수빈", "lim-subin"), ("한예린", "han-yerin"), ("오준호", "oh-junho"),
)  # fmt: skip

PLACES = (
    "서울시", "부산시", "경기도", "인천시", "대구시", "광주시", "대전시", "세종시",
    "강원도", "제주도", "울산시", "충청북도", "전라남도", "경상북도",
)  # fmt: skip
ACTORS = (
    "정부", "국회", "기획재정부", "교육부", "국토교통부", "한국은행", "금융위원회",
    "보건복지부", "환경부", "과학기술정보통신부", "여당", "야당", "시민단체",
    "노동조합", "경제단체", "연구진", "법원", "검찰", "경찰청", "소방청",
)  # fmt: skip
TOPICS = (
    "내년도 예산안", "전세 사기 대책", "기준금리", "반도체 수출", "청년 일자리",
    "출산율 대책", "폭염 대책", "미세먼지 저감", "지하철 연장", "의대 정원",
    "전기차 보조금", "원전 정책", "탄소 중립", "인공지능 규제", "최저임금",
    "부동산 세제", "공공요금 인상", "지역 축제", "태풍 피해 복구", "우주 발사체",
)  # fmt: skip
ACTIONS = (
    "발표했다", "확정했다", "검토하고 있다", "추진하기로 했다", "논의했다",
    "보류했다", "공개했다", "점검했다", "강화하기로 했다", "재검토하기로 했다",
)  # fmt: skip
HEADLINE_ENDS = (
    "발표", "확정", "추진", "논란", "재검토", "합의", "첫 공개", "강화", "속도", "제동",
)  # fmt: skip
OBJECTS = (
    "세부 계획", "지원 방안", "예산 규모", "시행 시기", "적용 대상", "관련 통계",
    "후속 조치", "점검 결과", "개선안", "중장기 로드맵",
)  # fmt: skip
REACTIONS = (
    "전문가들은 실효성을 두고 엇갈린 평가를 내놓았다.",
    "현장에서는 혼란이 우려된다는 목소리도 나왔다.",
    "시민들은 대체로 환영한다는 반응을 보였다.",
    "업계는 구체적인 기준이 먼저 나와야 한다고 지적했다.",
    "야당은 졸속 추진이라며 비판했다.",
    "관계자는 다음 달 중 세부 내용을 확정할 예정이라고 말했다.",
    "시행까지는 법 개정이 필요해 시간이 걸릴 것으로 보인다.",
    "지난해보다 규모가 두 배 가까이 늘었다.",
)
HEADINGS = (
    "무엇이 달라지나", "배경과 쟁점", "현장의 반응", "전문가 진단", "남은 과제",
    "숫자로 본 변화", "향후 일정", "다른 나라는",
)  # fmt: skip
BODY_CHARS = 2000


@dataclass(frozen=True)
class DemoText:
    title: str
    excerpt: str
    body: str  # Markdown


def _josa(word: str, after_consonant: str, after_vowel: str) -> str:
    """The word with the particle its last syllable takes (은/는, 을/를, 이/가)."""
    last = ord(word[-1]) - 0xAC00
    has_final = 0 <= last < 11172 and last % 28 != 0
    return word + (after_consonant if has_final else after_vowel)


def _sentence(rng: random.Random) -> str:
    place, actor, topic = rng.choice(PLACES), rng.choice(ACTORS), rng.choice(TOPICS)
    obj, action = rng.choice(OBJECTS), rng.choice(ACTIONS)
    number = rng.randint(2, 98)
    return rng.choice(
        (
            f"{_josa(actor, '은', '는')} {topic}의 {_josa(obj, '을', '를')} {action}.",
            f"{place}에 따르면 {topic} 관련 신청은 지난달보다 {number}% 늘었다.",
            f'{actor} 관계자는 "{_josa(topic, "은", "는")} {obj}부터 다시 살펴볼 '
            '것"이라고 말했다.',
            f"{_josa(place, '은', '는')} {topic}에 올해 {number}억 원을 투입한다.",
            rng.choice(REACTIONS),
        )
    )


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 5)))


def article(index: int, rng: random.Random) -> DemoText:
    """The text of demo article `index`; about BODY_CHARS characters of body."""
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    title = f"{place}, {topic} {rng.choice(HEADLINE_ENDS)} ({index + 1}보)"
    lead = _paragraph(rng)
    parts = [lead]
    headings = rng.sample(HEADINGS, 3)
    length = len(lead)
    for number, heading in enumerate(headings, start=1):
        parts.append(f"## {heading}")
        while length < BODY_CHARS * number / len(headings):
            paragraph = _paragraph(rng)
            parts.append(paragraph)
            length += len(paragraph)
    return DemoText(
        title=title, excerpt=lead.split(". ")[0] + ".", body="\n\n".join(parts)
    )


def image_bytes(index: int, width: int = 1600, height: int = 1000) -> bytes:
    """A JPEG photo stand-in: a gradient with blocks, different for each index."""
    from PIL import Image, ImageDraw

    rng = random.Random(index)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = (
        [rng.randint(0, 255) for _ in range(3)],
        [rng.randint(0, 255) for _ in range(3)],
    )
    for y in range(0, height, 4):
        mix = y / height
        colour = tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        draw.rectangle((0, y, width, y + 4), fill=colour)
    for _ in range(6):
        x, y = rng.randint(0, width - 200), rng.randint(0, height - 200)
        draw.rectangle((x, y, x + rng.randint(80, 400), y + rng.randint(80, 300)),
                       fill=tuple(rng.randint(0, 255) for _ in range(3)))  # fmt: skip
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()
