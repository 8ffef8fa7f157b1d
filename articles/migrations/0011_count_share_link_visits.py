"""Fold the one-row-per-request share-link visits into counts per outcome."""

from django.db import migrations
from django.db.models import Count, Max, Min


def fold(apps, schema_editor):
    Visit = apps.get_model("articles", "ShareLinkVisit")
    VisitCount = apps.get_model("articles", "ShareLinkVisitCount")
    groups = (
        Visit.objects.values("link_id", "outcome")
        .annotate(n=Count("pk"), first=Min("created_at"), last=Max("created_at"))
        .order_by()
    )
    for group in groups.iterator():
        latest = (
            Visit.objects.filter(link_id=group["link_id"], outcome=group["outcome"])
            .order_by("-created_at", "-pk")
            .first()
        )
        VisitCount.objects.create(
            link_id=group["link_id"],
            outcome=group["outcome"],
            count=group["n"],
            first_at=group["first"],
            last_at=group["last"],
            last_ip_address=latest.ip_address,
            last_user_agent=latest.user_agent,
        )


def unfold(apps, schema_editor):
    """Back to one row per outcome's last visit: the counts cannot be unfolded."""
    Visit = apps.get_model("articles", "ShareLinkVisit")
    VisitCount = apps.get_model("articles", "ShareLinkVisitCount")
    for row in VisitCount.objects.iterator():
        Visit.objects.create(
            link_id=row.link_id,
            outcome=row.outcome,
            created_at=row.last_at,
            ip_address=row.last_ip_address,
            user_agent=row.last_user_agent,
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_share_link_visit_counts")]

    operations = [migrations.RunPython(fold, unfold)]
