"""The editors' admin: articles with their workflow, revisions, previews, schedule.

Every status change, save and restore goes through articles.workflow; this
package turns admin requests into those calls and shows each person what the
workflow allows them. Object rights live in get_queryset, the has_*_permission
methods and every extra view, so a Reporter reaches only their own articles
wherever they look.
"""

from .articles import ArticleAdmin
from .taxonomy import AuthorAdmin, CategoryAdmin

__all__ = ["ArticleAdmin", "AuthorAdmin", "CategoryAdmin"]
