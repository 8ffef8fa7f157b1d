"""Template tags for the admin's own pages (the index's review queue)."""

from django import template
from django.urls import reverse

from .. import workflow

register = template.Library()


@register.simple_tag(takes_context=True)
def review_queue(context) -> dict | None:
    """How many articles wait for review, among those this person may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (
        user.has_perm(workflow.VIEW) or user.has_perm(workflow.CHANGE)
    ):
        return None
    changelist = reverse("admin:articles_article_changelist")
    return {
        "count": workflow.visible_articles(user).waiting_for_review().count(),
        "url": f"{changelist}?progress=review",
        "schedule_url": reverse("admin:articles_article_schedule"),
    }
