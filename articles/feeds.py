"""RSS and Atom feeds of the latest live articles, site-wide and per category."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from . import seo
from .models import Article, Category

FEED_LENGTH = 30
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"


class RssWithAuthors(Rss201rev2Feed):
    """RSS 2.0 naming every author of an item, in byline order, as dc:creator."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": DC_NAMESPACE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _url in item["authors"]:
            # Read as HTML like every RSS text: a "<" in a name arrives escaped.
            handler.addQuickElement("dc:creator", escape(name))


class AtomWithAuthors(Atom1Feed):
    """Atom naming every author of an entry, in byline order, with a link."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, url in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", url)
            handler.endElement("author")


class LatestArticlesFeed(Feed):
    """RSS readers take titles, descriptions and categories as HTML, so every
    text is HTML-escaped before the XML writer escapes it again: a "<" typed in
    a headline or a category name reaches the reader as text, never as markup.
    Atom's texts here are plain text (no type attribute): the Atom feeds set
    `text_is_html` off and pass them as they are."""

    feed_type = RssWithAuthors
    language = seo.LANGUAGE
    url_name = "feed-rss"
    text_is_html = True

    def text(self, value: str) -> str:
        return escape(value) if self.text_is_html else value

    def get_object(self, request, *args, **kwargs):
        return None

    def title(self, obj):
        return self.text(settings.NEWSROOM_SITE_NAME)

    def description(self, obj):
        return self.text(f"{settings.NEWSROOM_SITE_NAME}의 최신 기사")

    def link(self, obj):
        return seo.absolute_url(reverse("articles:list"))

    def feed_url(self, obj):
        return seo.absolute_url(reverse(self.url_name))

    def author_name(self, obj):
        return settings.NEWSROOM_PUBLISHER_NAME

    def articles(self, obj):
        return Article.objects.live()

    def items(self, obj):
        # Built per request: live() reads the clock.
        return self.articles(obj).newest_first().for_listing()[:FEED_LENGTH]

    def item_title(self, item):
        return self.text(item.title)

    def item_description(self, item):
        return escape(item.summary)

    def item_link(self, item):
        return seo.article_url(item)

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.last_modified_at

    def item_categories(self, item):
        return [self.text(category.name) for category in item.categories.all()]

    def item_extra_kwargs(self, item):
        return {
            "authors": [
                (author.name, seo.absolute_url(author.get_absolute_url()))
                for author in item.ordered_authors()
            ]
        }


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = AtomWithAuthors
    url_name = "feed-atom"
    subtitle = LatestArticlesFeed.description
    # An Atom text without a type attribute is plain text: no escaping.
    text_is_html = False


class CategoryFeed(LatestArticlesFeed):
    url_name = "category-feed-rss"

    def get_object(self, request, slug):
        # Like the category page: a category with no live article has no feed,
        # so its name cannot announce a story that is still a draft.
        return get_object_or_404(Category.objects.with_live_articles(), slug=slug)

    def title(self, obj):
        return self.text(f"{settings.NEWSROOM_SITE_NAME} · {obj.name}")

    def description(self, obj):
        return self.text(
            obj.description or f"{settings.NEWSROOM_SITE_NAME}의 {obj.name} 기사"
        )

    def link(self, obj):
        return seo.absolute_url(obj.get_absolute_url())

    def feed_url(self, obj):
        return seo.absolute_url(reverse(self.url_name, kwargs={"slug": obj.slug}))

    def articles(self, obj):
        return Article.objects.live().in_category(obj)


class CategoryAtomFeed(CategoryFeed):
    feed_type = AtomWithAuthors
    url_name = "category-feed-atom"
    subtitle = CategoryFeed.description
    text_is_html = False
