"""What search engines, feed readers and link previews learn about a page.

Absolute URLs are built from NEWSROOM_SITE_URL, never from the request's Host
header, so canonical links, feeds and sitemaps read the same behind a proxy and on
every app server. Templates only display the dictionaries made here.
"""

import json
from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .links import reverse

LANGUAGE = "ko"
OG_LOCALE = "ko_KR"

# Inside <script> the HTML parser ends the element at "</script", and "<!--" can
# change how it looks for that end; with these escaped no value can close the
# block. "&" is escaped too so the text reads the same to an HTML-aware reader.
_JSON_LD_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
}


def absolute_url(url: str) -> str:
    """Make a site path absolute on NEWSROOM_SITE_URL; leave full URLs as they are."""
    if not url or url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        scheme = settings.NEWSROOM_SITE_URL.split("://", 1)[0]
        return f"{scheme}:{url}"
    if not url.startswith("/"):
        url = f"/{url}"
    return f"{settings.NEWSROOM_SITE_URL}{url}"


def publisher_logo_url() -> str:
    logo = settings.NEWSROOM_PUBLISHER_LOGO
    if logo.startswith(("http://", "https://")):
        return logo
    return absolute_url(static(logo))


def iso(value: datetime | None) -> str:
    """An ISO 8601 time with the Seoul offset, as schema.org and Open Graph want."""
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds")


def article_url(article) -> str:
    return absolute_url(article.get_absolute_url())


def article_image(article) -> dict | None:
    """The featured image: an external URL as it is, an upload's largest rendition."""
    if article.picture:
        # The largest rendition, not the upload: it has no EXIF, so no GPS.
        shared = article.picture.largest
        return {
            "url": absolute_url(shared.url),
            "width": shared.width,
            "height": shared.height,
            "alt": article.image_alt,
        }
    if article.image:
        # Renditions not made yet: no image rather than the original upload.
        return None
    if article.image_url:
        return {
            "url": article.image_url,
            "width": None,
            "height": None,
            "alt": article.image_alt,
        }
    return None


def article_metadata(article) -> dict:
    """The values of an article page's <meta> tags: description, canonical,
    Open Graph and Twitter card."""
    image = article_image(article)
    categories = [category.name for category in article.categories.all()]
    return {
        "title": article.title,
        "description": article.summary,
        "canonical": article_url(article),
        "site_name": settings.NEWSROOM_SITE_NAME,
        "locale": OG_LOCALE,
        "image": image,
        "twitter_card": "summary_large_image" if image else "summary",
        "published_time": iso(article.publish_at),
        "modified_time": iso(article.last_modified_at),
        "section": categories[0] if categories else "",
        "tags": categories,
        "author_urls": [
            absolute_url(author.get_absolute_url())
            for author in article.ordered_authors()
        ],
    }


def news_article(article) -> dict:
    """schema.org NewsArticle for one article, authors in byline order."""
    image = article_image(article)
    url = article_url(article)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": iso(article.publish_at),
        "dateModified": iso(article.last_modified_at),
        "inLanguage": LANGUAGE,
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": absolute_url(author.get_absolute_url()),
            }
            for author in article.ordered_authors()
        ],
        "publisher": {
            "@type": "Organization",
            "name": settings.NEWSROOM_PUBLISHER_NAME,
            "url": absolute_url("/"),
            "logo": {"@type": "ImageObject", "url": publisher_logo_url()},
        },
        "articleSection": [category.name for category in article.categories.all()],
    }
    if image:
        data["image"] = [image["url"]]
    return data


def listing_metadata(subject=None, *, page_number: int = 1) -> dict:
    """Canonical URL and basic Open Graph for the front page (no subject) and for
    a category's, an author's or an archive period's page; later pages keep their
    page number."""
    from .listings import ArchivePeriod
    from .models import Author, Category

    site_name = settings.NEWSROOM_SITE_NAME
    feed_urls = {}
    if isinstance(subject, Category):
        title = subject.name
        description = subject.description or f"{site_name}의 {subject.name} 기사"
        path = subject.get_absolute_url()
        feed_urls = {
            "rss": reverse("category-feed-rss", slug=subject.slug),
            "atom": reverse("category-feed-atom", slug=subject.slug),
        }
    elif isinstance(subject, Author):
        title = subject.name
        description = subject.bio or f"{site_name} {subject.name}의 기사"
        path = subject.get_absolute_url()
    elif isinstance(subject, ArchivePeriod):
        title = f"{subject} 기사"
        description = f"{site_name}의 {subject} 기사"
        path = subject.get_absolute_url()
    else:
        title = site_name
        description = f"{site_name}의 최신 기사"
        path = reverse("articles:list")
    canonical = absolute_url(path)
    if page_number > 1:
        canonical = f"{canonical}?page={page_number}"
    return {
        "title": title,
        "description": description,
        "canonical": canonical,
        "site_name": site_name,
        "locale": OG_LOCALE,
        "feed_title": f"{site_name} · {title}",
        "feed_urls": feed_urls,
    }


def json_ld_script(data: dict) -> SafeString:
    """Wrap `data` in <script type="application/ld+json"> so no value can end it."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_LD_ESCAPES)),
    )
