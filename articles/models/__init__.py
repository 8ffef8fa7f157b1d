"""The articles app's models, one module per concept; import them from here."""

from .article import (
    Article,
    ArticleManager,
    BodyFormat,
    Byline,
    CategorizedArticle,
    new_document_key,
    validate_web_url,
)
from .history import AppendOnlyModel, ArticleRevision, ArticleTransition, Correction
from .image import Image, featured_image_path
from .people import Author
from .sharing import ShareLink, ShareLinkVisitCount, SlugRedirect, new_share_key
from .taxonomy import Category, NFCTaggableManager

__all__ = [
    "AppendOnlyModel",
    "Article",
    "ArticleManager",
    "ArticleRevision",
    "ArticleTransition",
    "Author",
    "BodyFormat",
    "Byline",
    "CategorizedArticle",
    "Category",
    "Correction",
    "Image",
    "NFCTaggableManager",
    "ShareLink",
    "ShareLinkVisitCount",
    "SlugRedirect",
    "featured_image_path",
    "new_document_key",
    "new_share_key",
    "validate_web_url",
]
