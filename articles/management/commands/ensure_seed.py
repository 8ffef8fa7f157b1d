"""Load the seed fixture only where it is missing, for `make run`.

`loaddata seed` overwrites the seed article with the fixture (it is known by its
document key), so running it on every `make run` silently undid an editor's
edits. This command loads the seed only when the seed article is not in the
database (an empty database, or one where it was deleted), and even then saves
only the fixture's objects that are missing: an edited "News" category stays as
it is. `make reset` is the way to start again from the seed.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Article

SEED = "seed.json"


def seed_fixture() -> Path:
    for folder in settings.FIXTURE_DIRS:
        if (path := Path(folder) / SEED).is_file():
            return path
    raise FileNotFoundError(f"{SEED} is in none of FIXTURE_DIRS")


def seed_document_key(path: Path) -> str:
    """The seed article's natural key, as the fixture gives it."""
    for entry in json.loads(path.read_text("utf-8")):
        if entry["model"] == "articles.article":
            return entry["fields"]["document_key"]
    raise ValueError(f"{path} holds no article")


class Command(BaseCommand):
    help = (
        "Load the seed fixture if the seed article is missing; never overwrite "
        "an existing (possibly edited) seed."
    )

    def handle(self, *args, **options):
        path = seed_fixture()
        with transaction.atomic():
            if Article.objects.filter(document_key=seed_document_key(path)).exists():
                self.stdout.write(
                    f"씨앗 기사가 이미 있어 다시 넣지 않았습니다 ({path.name}, "
                    "편집한 내용은 그대로입니다). 처음 상태로 돌리려면: make reset"
                )
                return
            saved = self._save_missing(path)
        self.stdout.write(
            self.style.SUCCESS(
                f"씨앗 기사가 없어 {path.name}에서 {saved}개 항목을 넣었습니다."
            )
        )

    def _save_missing(self, path: Path) -> int:
        """Save, in fixture order, each object whose natural key is not taken.

        Deserialising again, lazily, lets later objects (the article's category
        link) resolve natural keys against the rows saved just before them.
        """
        saved = 0
        for item in serializers.deserialize("json", path.read_text("utf-8")):
            if item.object.pk is not None:  # found by natural key: keep the row
                continue
            item.save()
            saved += 1
        return saved
