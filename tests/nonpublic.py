"""Articles a reader must never see, one of each kind, for absence tests."""

from datetime import timedelta

from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

Status = Article.Status


def make_nonpublic_articles(**common) -> list[Article]:
    """A draft, one in review, a scheduled, an expired, an unpublished, a taken-down
    and an undated article; `common` (categories, authors) goes to each."""
    now = timezone.now()
    hour = timedelta(hours=1)
    kinds = {
        "초안 기사": {"status": Status.DRAFT},
        "검토 중 기사": {"status": Status.IN_REVIEW},
        "예약된 기사": {"publish_at": now + hour},
        "만료된 기사": {"publish_at": now - 3 * hour, "expire_at": now - hour},
        "게재 취소된 기사": {"status": Status.UNPUBLISHED},
        "삭제 조치된 기사": {"status": Status.TAKEN_DOWN},
        "게재 시각 없는 기사": {"publish_at": None},
    }
    return [
        make_article(title=title, **fields, **common) for title, fields in kinds.items()
    ]
