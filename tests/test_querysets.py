from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from articles.models import Article, Author, Category
from articles.querysets import last_modified
from tests.factories import make_article, make_author
from tests.nonpublic import make_nonpublic_articles

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


# The neighbours of live(): scheduled and expired, each with its Python mirror.

# status, publish_at, expire_at, (live, scheduled, expired)
STATES = [
    (Status.PUBLISHED, -HOUR, None, (True, False, False)),
    (Status.PUBLISHED, timedelta(0), None, (True, False, False)),
    (Status.PUBLISHED, timedelta(seconds=1), None, (False, True, False)),
    (Status.PUBLISHED, None, None, (False, False, False)),
    (Status.PUBLISHED, -HOUR, HOUR, (True, False, False)),
    (Status.PUBLISHED, -HOUR, timedelta(0), (False, False, True)),
    (Status.PUBLISHED, -2 * HOUR, -HOUR, (False, False, True)),
    (Status.PUBLISHED, HOUR, 2 * HOUR, (False, True, False)),
    (Status.DRAFT, HOUR, None, (False, False, False)),
    (Status.IN_REVIEW, HOUR, None, (False, False, False)),
    (Status.UNPUBLISHED, -2 * HOUR, -HOUR, (False, False, False)),
    (Status.TAKEN_DOWN, -2 * HOUR, -HOUR, (False, False, False)),
]


@pytest.mark.parametrize(("status", "publish", "expire", "expected"), STATES)
def test_scheduled_and_expired_querysets_match_their_mirrors(
    status, publish, expire, expected
):
    article = make_article(status=status, publish_at=at(publish), expire_at=at(expire))
    objects = Article.objects
    found = (
        article in objects.live(now=NOW),
        article in objects.scheduled(now=NOW),
        article in objects.expired(now=NOW),
    )
    mirrored = (
        article.is_live_at(NOW),
        article.is_scheduled_at(NOW),
        article.is_expired_at(NOW),
    )
    assert found == mirrored == expected


def test_expired_uses_the_current_time_when_none_is_given():
    gone = make_article(
        publish_at=timezone.now() - 2 * HOUR,
        expire_at=timezone.now() - timedelta(minutes=1),
    )
    make_article(publish_at=timezone.now() - 2 * HOUR, expire_at=timezone.now() + HOUR)
    assert list(Article.objects.expired()) == [gone]
    assert gone.is_expired


# The archive period

SEOUL = ZoneInfo("Asia/Seoul")


def test_published_in_a_year_follows_seoul_midnight():
    make_article(
        title="전년 기사", publish_at=datetime(2024, 12, 31, 23, 59, tzinfo=SEOUL)
    )
    first = make_article(
        title="새해 첫 기사", publish_at=datetime(2024, 12, 31, 15, 0, tzinfo=UTC)
    )
    last = make_article(
        title="섣달그믐 기사", publish_at=datetime(2025, 12, 31, 23, 59, tzinfo=SEOUL)
    )
    make_article(title="이듬해 기사", publish_at=datetime(2026, 1, 1, tzinfo=SEOUL))

    assert set(Article.objects.published_in(2025)) == {first, last}


def test_published_in_december_ends_at_new_year():
    december = make_article(publish_at=datetime(2024, 12, 31, 23, 59, tzinfo=SEOUL))
    make_article(publish_at=datetime(2025, 1, 1, tzinfo=SEOUL))
    make_article(publish_at=datetime(2024, 11, 30, 23, 59, tzinfo=SEOUL))

    assert list(Article.objects.published_in(2024, 12)) == [december]


def test_published_in_chains_after_live():
    shown = make_article(publish_at=datetime(2024, 6, 3, tzinfo=SEOUL))
    make_article(publish_at=datetime(2024, 6, 4, tzinfo=SEOUL), status=Status.DRAFT)
    make_article(
        publish_at=datetime(2024, 6, 5, tzinfo=SEOUL),
        expire_at=datetime(2024, 6, 6, tzinfo=SEOUL),
    )

    assert list(Article.objects.live().published_in(2024, 6)) == [shown]


@pytest.mark.parametrize(
    ("year", "month"), [(2024, 0), (2024, 13), (1, None), (9999, None), (9999, 12)]
)
def test_published_in_refuses_a_period_the_archive_cannot_cover(year, month):
    with pytest.raises(ValueError):
        Article.objects.published_in(year, month)


# Last public change: two meanings, each with one name

# publish_at, last_public_change_at (offsets from NOW), public_update, last_modified
CHANGES = [
    (-HOUR, None, None, -HOUR),
    (-HOUR, -HOUR / 2, -HOUR / 2, -HOUR / 2),  # corrected after publication
    (-HOUR, -HOUR, None, -HOUR),  # same moment: one date
    (-HOUR, -2 * HOUR, None, -HOUR),  # an older change, republished later
    (None, -HOUR, None, None),
]


@pytest.mark.parametrize(("publish", "changed", "update", "modified"), CHANGES)
def test_last_modified_in_python_and_sql_apply_one_rule(
    publish, changed, update, modified
):
    article = make_article(publish_at=at(publish), last_public_change_at=at(changed))

    annotated = Article.objects.annotate(m=last_modified()).get(pk=article.pk).m

    assert article.public_update_at == at(update)
    assert article.last_modified_at == annotated == at(modified)


def test_latest_modification_is_the_newest_public_change():
    make_article(publish_at=NOW - 3 * HOUR)
    make_article(publish_at=NOW - 5 * HOUR, last_public_change_at=NOW - HOUR)
    make_article(publish_at=NOW - 2 * HOUR)

    assert Article.objects.all().latest_modification() == NOW - HOUR
    assert Article.objects.none().latest_modification() is None


# Categories and authors a reader may learn of


def test_categories_with_live_articles_leave_out_those_with_only_hidden_ones():
    make_article(categories=["정치", "경제"])
    make_article(categories=["정치"])
    make_nonpublic_articles(categories=["단독", "경제"])

    names = [c.name for c in Category.objects.with_live_articles().order_by("name")]

    assert names == ["경제", "정치"]  # each once, however many live articles


def test_category_joins_when_its_scheduled_article_goes_live():
    make_article(categories=["속보"], publish_at=NOW + HOUR)

    assert not Category.objects.with_live_articles(now=NOW).exists()
    assert Category.objects.with_live_articles(now=NOW + HOUR).get().name == "속보"


def test_category_last_modified_is_its_newest_live_change():
    make_article(categories=["정치"], publish_at=NOW - 5 * HOUR)
    make_article(
        categories=["정치"],
        publish_at=NOW - 4 * HOUR,
        last_public_change_at=NOW - 2 * HOUR,
    )
    make_article(categories=["정치"], publish_at=NOW - HOUR, status=Status.DRAFT)
    make_article(categories=["경제"], publish_at=NOW - 3 * HOUR)

    found = {
        c.name: c.last_modified for c in Category.objects.with_last_modified(now=NOW)
    }

    assert found == {"정치": NOW - 2 * HOUR, "경제": NOW - 3 * HOUR}


def test_authors_with_live_articles_and_their_last_modified():
    kim, park, lee = make_author("김서울"), make_author("박부산"), make_author("이대구")
    make_article(authors=[kim, park], publish_at=NOW - 3 * HOUR)
    make_article(authors=[kim], publish_at=NOW - HOUR)
    make_nonpublic_articles(authors=[lee, park])

    found = {a.name: a.last_modified for a in Author.objects.with_last_modified(NOW)}

    assert found == {"김서울": NOW - HOUR, "박부산": NOW - 3 * HOUR}
    assert set(Author.objects.with_live_articles(NOW)) == {kim, park}
