"""The editors' admin: articles with their workflow, revisions, previews, schedule.

Every status change, save and restore goes through articles.workflow; this
package turns admin requests into those calls and shows each person what the
workflow allows them. Object rights live in get_queryset, the has_*_permission
methods and every extra view, so a Reporter reaches only their own articles
wherever they look.
"""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from .articles import ArticleAdmin
from .taxonomy import AuthorAdmin, CategoryAdmin

# The task queue's rows (rendition and reindex jobs) need no editor's page, and
# every admin page must have its row in tests/test_permission_matrix.py: the
# queue is watched through /healthz and the worker's log instead.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)

__all__ = ["ArticleAdmin", "AuthorAdmin", "CategoryAdmin"]
