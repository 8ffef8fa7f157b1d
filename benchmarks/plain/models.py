from django.db import models
from taggit.managers import TaggableManager


class Post(models.Model):
    """The columns our Article stores for a benchmark row, without derived ones."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    document_key = models.CharField(max_length=255, unique=True)
    excerpt = models.TextField(blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=20, default="draft")
    publish_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    tags = TaggableManager(blank=True)

    class Meta:
        app_label = "plain"
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self):
        return self.title
