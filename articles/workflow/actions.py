"""The shape of every change to an article: an action that checks, then runs.

    if (refusal := Publish(user).check(article)) is None: ...   # show the button
    Publish(user).run(article, at=when)                          # do it

`check` says why the person may not do this to the article now (a `Refusal`, a
str with its message), or None. The faces call it to decide what to show and to
put the message on a form; they never re-decide a rule or copy a message.

`run` locks the row, checks again on the stored state, applies the change, saves
what it touched, writes the one audit entry (`ArticleTransition`), keeps a
revision when editable content changed (`revises`), and once the transaction
commits sends `article_changed` with what it touched before and after. It raises
`PermissionDenied` (wrong person) or `ActionRefused` (wrong state or input).

Django's admin `LogEntry` is not written for articles: the audit entry written
here is the one trail, shown on the article's history page.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction

from search import indexing

from .. import fragments
from ..models import Article, ArticleTransition
from . import media
from .records import actor, record_revision
from .rules import ActionRefused, Refusal, StaleVersion
from .signals import Touched, notify


def stored(article: Article) -> Article:
    """The row as stored: locked when inside a transaction, so a decision taken
    on it holds until the transaction ends."""
    rows = Article.objects.select_related("image")
    if connection.in_atomic_block:
        # Only the article's row: its image is locked where its files are decided
        # (media.py), and PostgreSQL refuses FOR UPDATE on an outer join's side.
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=article.pk)


class Action:
    """One operation on one article. Subclasses set `name`, `label` and write
    `permitted`, `refusal` and `apply`."""

    name: ClassVar[str]
    label: ClassVar[str]
    # Write an ArticleRevision after the change (editable content may have moved).
    revises: ClassVar[bool] = True
    # Move the edit lock's version: an open change form then has to merge. Off for
    # changes that leave every field of the form as it was (corrections).
    bumps_version: ClassVar[bool] = True
    # Refusal when `permitted` says no.
    denied: ClassVar[str] = "이 작업을 할 권한이 없습니다."

    def __init__(self, user):
        self.user = user

    # Deciding ----------------------------------------------------------------

    def permitted(self, article: Article) -> bool:
        """May `self.user` do this to this article at all?"""
        return True

    def refusal(self, article: Article, **inputs) -> str | None:
        """Why the article's state or the input rules this out now, or None."""
        return None

    def check(self, article: Article, **inputs) -> Refusal | None:
        """Why `self.user` may not do this to `article` now, or None.

        Inputs left out (None) are not judged: `check(article)` answers "may the
        button show"; `check(article, **cleaned_data)` judges the form too.
        """
        if not self.permitted(article):
            return Refusal(self.denied, permission=True, code="permission")
        reason = self.refusal(article, **inputs)
        if reason is None or isinstance(reason, Refusal):
            return reason
        return Refusal(reason, code="refused")

    # Doing -------------------------------------------------------------------

    def prepare(self, **inputs) -> dict[str, Any]:
        """The inputs `run` judges: text left out counts as empty there."""
        return inputs

    def apply(self, article: Article, **inputs) -> list[str]:
        """Change the locked `article`; return the fields to save."""
        raise NotImplementedError

    def entry(self, article: Article, from_status: str, **inputs) -> str:
        """The audit entry's comment."""
        return ""

    def raise_for(self, refusal: Refusal):
        if refusal.permission:
            raise PermissionDenied(str(refusal))
        if refusal.code == "stale":
            raise StaleVersion(refusal)
        raise ActionRefused(refusal)

    @transaction.atomic
    def run(self, article: Article, **inputs):
        inputs = self.prepare(**inputs)
        current = stored(article)
        if (refusal := self.check(current, **inputs)) is not None:
            self.raise_for(refusal)
        before = Touched.of(current)
        from_status = current.status
        # The search entry is built once, after the fields and categories moved;
        # the stored fragments once, after the save (still in the transaction).
        with fragments.deferred():
            with indexing.deferred():
                fields = self.apply(current, **inputs)
            return self.finish(article, current, fields, from_status, before, inputs)

    def finish(self, article, current, fields, from_status, before, inputs):
        if fields:
            if self.bumps_version:
                current.version += 1
                fields = [*fields, "version"]
            current.save(update_fields=[*fields, "updated_at"])
        if current.status != from_status:
            media.sync_public_files(current)
        self.audit(current, from_status, **inputs)
        if self.revises:
            record_revision(current, by=self.user, note=self.label)
        # Only saving moves categories and bylines: the rest carry them over.
        after = Touched.of(
            current, categories=before.categories, authors=before.authors
        )
        notify(current, before, after, self.name)
        for name in {*fields, "version", "updated_at"}:
            setattr(article, name, getattr(current, name))
        return article

    def audit(
        self, article: Article, from_status: str, *, action: str = "", **inputs
    ) -> None:
        ArticleTransition.objects.create(
            article=article,
            action=action or self.name,
            from_status=from_status,
            to_status=article.status,
            comment=self.entry(article, from_status, **inputs),
            **actor(self.user),
        )
