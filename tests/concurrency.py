"""Four editors pressing 저장 on one article at the same moment, for real.

Used in-process (PostgreSQL, threads on the test database) and as a script on a
file SQLite database (`python -m tests.concurrency`): pytest's in-memory SQLite
answers "table is locked" at once and ignores the busy timeout, so a test on it
would prove nothing.
"""

import json
import sys
import threading

from django.db import connection
from django.test import Client
from django.urls import reverse

SAVERS = 4


def typed_text(n: int) -> str:
    return f"{n}번 편집자가 공들여 쓴 본문"


def simultaneous_saves(article, users) -> list[dict]:
    """Open the change form as each user, then post all saves at once."""
    from tests.test_admin import form_data

    url = reverse("admin:articles_article_change", args=[article.pk])
    clients, posts = [], []
    for n, user in enumerate(users):
        client = Client()
        client.force_login(user)
        data = form_data(client, article)
        data["body"] = typed_text(n)
        clients.append(client)
        posts.append(data)
    barrier = threading.Barrier(len(users))
    results: list[dict] = [{} for _ in users]

    def save(n):
        try:
            barrier.wait()
            response = clients[n].post(url, posts[n])
            text = response.content.decode()
            results[n] = {
                "status": response.status_code,
                "stale": "먼저 저장했습니다" in text,
                "text_kept": typed_text(n) in text,
            }
        except Exception as error:  # reported, not swallowed: the test shows it
            results[n] = {"status": 500, "error": repr(error)}
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def main() -> None:
    """Migrate the database DATABASE_URL names, then race four saves on it."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host
    # As conftest.py does: pages render without a collectstatic run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from articles import workflow
    from tests.factories import make_article
    from tests.people import make_staff

    call_command("migrate", "--no-input", verbosity=0)
    users = [make_staff("Editor") for _ in range(SAVERS)]
    article = make_article(title="동시에 고치는 기사")
    workflow.save_article(article, by=users[0])
    results = simultaneous_saves(article, users)
    article.refresh_from_db()
    outcome = {"results": results, "body": article.body}
    sys.stdout.write(json.dumps(outcome, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
