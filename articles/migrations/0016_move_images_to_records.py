"""Give every article with an uploaded image its Image record, and back.

The original's name, size, texts and renditions move as they are: no file is
read, copied or deleted, so the renditions already made stay valid (they name
their source file, which keeps its name). Articles that shared one file (a
hand copy, a fixture) share one Image; the first article's texts win.
"""

from django.db import migrations

TEXTS = ("alt", "caption", "credit")


def to_records(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("articles", "Image")
    for article in Article.objects.exclude(image="").order_by("pk").iterator():
        image = Image.objects.filter(file=article.image.name).first()
        if image is None:
            image = Image(
                width=article.image_width,
                height=article.image_height,
                renditions=article.renditions or {},
                **{name: getattr(article, f"image_{name}") for name in TEXTS},
            )
            image.file.name = article.image.name
            image.save()
        Article.objects.filter(pk=article.pk).update(
            image_record=image, **{f"image_{name}": "" for name in TEXTS}
        )


def to_columns(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("articles", "Image")
    for article in Article.objects.exclude(image_record=None).iterator():
        image = Image.objects.get(pk=article.image_record_id)
        Article.objects.filter(pk=article.pk).update(
            image=image.file.name,
            image_width=image.width,
            image_height=image.height,
            renditions=image.renditions,
            image_record=None,
            **{f"image_{name}": getattr(image, name) for name in TEXTS},
        )
    Image.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0015_image")]

    operations = [migrations.RunPython(to_records, to_columns)]
