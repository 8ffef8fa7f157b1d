"""Move uploaded originals out of public media into the private originals storage.

Each original is re-encoded on the way (the storage strips EXIF, GPS, XMP and the
rest), its public copy deleted, and the old renditions (named after the
original, so they gave its URL away) deleted too; `manage.py rebuild_renditions`
(or the worker, on the next save) makes new ones in random folders.
"""

from django.core.files.storage import default_storage
from django.db import migrations


def move_originals(apps, schema_editor):
    from articles import images

    Article = apps.get_model("articles", "Article")
    originals = images.original_storage()
    for article in Article.objects.exclude(image="").iterator():
        name = article.image.name
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as public:
                try:
                    stored = originals.save(name, public)
                except Exception:
                    stored = ""  # unreadable: the article loses its image below
            default_storage.delete(name)
        else:
            stored = name if originals.exists(name) else ""
        for item in (article.renditions or {}).get("items", []):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                if item["name"].startswith(f"{images.RENDITION_ROOT}/"):
                    default_storage.delete(item["name"])
        Article.objects.filter(pk=article.pk).update(image=stored, renditions={})


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_private_originals")]

    operations = [migrations.RunPython(move_originals, migrations.RunPython.noop)]
