"""Staff accounts in the roles the data migration creates: `make_staff(role)`."""

from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

_sequence = count(1)


def make_staff(role: str | None, username: str | None = None):
    """A staff user in the "Reporter" or "Editor" group, or a superuser for None."""
    username = username or f"{(role or 'admin').lower()}{next(_sequence)}"
    user = get_user_model().objects.create_user(
        username=username,
        password="비밀번호-테스트-1234",
        is_staff=True,
        is_superuser=role is None,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def ensure_roles() -> None:
    """Create the role groups again when a transactional test's flush removed
    what the data migration made (flushes empty every table, groups included)."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    if Group.objects.filter(name__in=["Reporter", "Editor"]).count() == 2:
        return
    # The models as that migration knew them: later ones removed some it names.
    node = ("articles", "0003_roles")
    state = MigrationLoader(connection).project_state(node)
    roles = importlib.import_module("articles.migrations.0003_roles")
    roles.create_roles(state.apps, None)
