from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

Status = Article.Status
NOW = timezone.now().replace(microsecond=0)
HOUR = timedelta(hours=1)

# status, publish_at, expire_at (as offsets from NOW, None for no time), live?
CASES = [
    (Status.PUBLISHED, -HOUR, None, True),
    (Status.PUBLISHED, timedelta(0), None, True),  # due exactly now
    (Status.PUBLISHED, timedelta(seconds=1), None, False),  # scheduled
    (Status.PUBLISHED, None, None, False),  # no publish time
    (Status.PUBLISHED, -HOUR, HOUR, True),  # not yet expired
    (Status.PUBLISHED, -HOUR, timedelta(0), False),  # expires exactly now
    (Status.PUBLISHED, -2 * HOUR, -HOUR, False),  # expired
    (Status.DRAFT, -HOUR, None, False),
    (Status.IN_REVIEW, -HOUR, None, False),
    (Status.UNPUBLISHED, -HOUR, None, False),
    (Status.TAKEN_DOWN, -HOUR, None, False),
]


def at(offset):
    return None if offset is None else NOW + offset


@pytest.mark.parametrize(("status", "publish", "expire", "live"), CASES)
def test_live_and_is_live_apply_one_rule(status, publish, expire, live):
    article = make_article(status=status, publish_at=at(publish), expire_at=at(expire))
    assert (article in Article.objects.live(now=NOW)) is live
    assert article.is_live_at(NOW) is live


def test_live_uses_the_current_time_when_none_is_given():
    soon = make_article(publish_at=timezone.now() + timedelta(minutes=1))
    due = make_article(publish_at=timezone.now() - timedelta(minutes=1))
    assert list(Article.objects.live()) == [due]
    assert soon.is_scheduled and not soon.is_live


def test_scheduled_lists_published_articles_still_ahead_of_their_time():
    ahead = make_article(publish_at=NOW + HOUR)
    make_article(publish_at=NOW - HOUR)
    make_article(status=Status.DRAFT, publish_at=NOW + HOUR)
    assert list(Article.objects.scheduled(now=NOW)) == [ahead]


def test_waiting_for_review_lists_submissions_only():
    waiting = make_article(status=Status.IN_REVIEW)
    make_article(status=Status.DRAFT)
    make_article()
    assert list(Article.objects.waiting_for_review()) == [waiting]
