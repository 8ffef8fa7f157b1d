"""Who may take which step with which article: the state machine's rules."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from ..models import Article, Author, Category

Status = Article.Status

PUBLISH = "articles.publish_article"
TAKE_DOWN = "articles.take_down_article"
EDIT_ANY = "articles.edit_any_article"
ADD = "articles.add_article"
CHANGE = "articles.change_article"
VIEW = "articles.view_article"
ADD_CORRECTION = "articles.add_correction"

# Fields a plain save may change only with the named permission. A Reporter's form
# leaves them out; this is the second line, for any other caller.
PROTECTED_FIELDS = {
    "slug": EDIT_ANY,
    "owner_id": EDIT_ANY,
    "publish_at": PUBLISH,
    "expire_at": PUBLISH,
    "is_pinned": PUBLISH,
}
# Written by the steps below only: a save never carries them in from a form.
WORKFLOW_FIELDS = (
    "status",
    "first_published_at",
    "last_public_change_at",
    "takedown_notice",
    "taken_down_at",
)


class Refusal(str):
    """Why an action may not run: its message, and whether the person or the
    article's state (or the input) is the reason. A str, so faces show it as is."""

    def __new__(cls, message, *, permission: bool = False, code: str = "", **extra):
        refusal = super().__new__(cls, message)
        refusal.permission = permission
        refusal.code = code
        refusal.extra = extra
        return refusal


class ActionRefused(Exception):
    """The article cannot take this action in its state, or with this input."""

    def __init__(self, refusal):
        super().__init__(str(refusal))
        self.refusal = refusal if isinstance(refusal, Refusal) else Refusal(refusal)


# The name callers knew before actions had one.
TransitionError = ActionRefused


class StaleVersion(ActionRefused):
    """Someone saved the article after this edit began."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal)
        self.current = refusal.extra.get("current")


class _System:
    """The command line (importer, management commands): allowed every step."""

    def __init__(self, name: str = "시스템"):
        self.name = name

    pk = None
    is_active = True
    is_superuser = True
    is_authenticated = True

    def has_perm(self, perm: str, obj=None) -> bool:
        return True

    def get_username(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


SYSTEM = _System()
# The importer acts as itself, so an import can tell its own entries in the audit
# log from an editor's (see importing/writing.py).
IMPORTER = _System("가져오기")


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    # None: whoever may edit the article (its Reporter while it is a draft).
    permission: str | None
    # "comment" or "notice": text the step cannot do without.
    needs: str = ""


# The one table of the state machine. ALLOWED, the step actions and the admin's
# buttons are all read from it.
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            name="submit",
            label="검토 요청",
            sources=frozenset({Status.DRAFT}),
            target=Status.IN_REVIEW,
            permission=None,
        ),
        Transition(
            name="send_back",
            label="반려",
            sources=frozenset({Status.IN_REVIEW}),
            target=Status.DRAFT,
            permission=PUBLISH,
            needs="comment",
        ),
        Transition(
            name="publish",
            label="게재",
            sources=frozenset({Status.DRAFT, Status.IN_REVIEW, Status.UNPUBLISHED}),
            target=Status.PUBLISHED,
            permission=PUBLISH,
        ),
        Transition(
            name="unpublish",
            label="게재 취소",
            sources=frozenset({Status.PUBLISHED}),
            target=Status.UNPUBLISHED,
            permission=PUBLISH,
        ),
        Transition(
            name="reopen",
            label="초안으로 되돌리기",
            sources=frozenset({Status.UNPUBLISHED}),
            target=Status.DRAFT,
            permission=PUBLISH,
        ),
        Transition(
            name="take_down",
            label="삭제 조치",
            sources=frozenset({Status.PUBLISHED}),
            target=Status.TAKEN_DOWN,
            permission=TAKE_DOWN,
            needs="notice",
        ),
    )
}


ALLOWED: dict[str, set[str]] = {
    status: {t.target for t in TRANSITIONS.values() if status in t.sources}
    for status in Status.values
}


def sources_of(target: str) -> frozenset[str]:
    """The statuses from which an article may move to `target`."""
    return frozenset(s for s, targets in ALLOWED.items() if target in targets)


# Who may do what ------------------------------------------------------------------


def can_view(user, article: Article) -> bool:
    """Editors see every article; a Reporter sees the ones they own."""
    if user.has_perm(EDIT_ANY):
        return True
    return (
        user.pk is not None
        and article.owner_id == user.pk
        and (user.has_perm(VIEW) or user.has_perm(CHANGE))
    )


def can_edit(user, article: Article) -> bool:
    """Editors edit any article; a Reporter edits their own while it is a draft."""
    if article.pk is None:
        return user.has_perm(ADD)
    if article.status == Status.TAKEN_DOWN:
        return user.is_superuser
    if user.has_perm(EDIT_ANY):
        return True
    return (
        user.has_perm(CHANGE)
        and user.pk is not None
        and article.owner_id == user.pk
        and article.status == Status.DRAFT
    )


def was_published(article: Article) -> bool:
    return (
        article.first_published_at is not None
        or article.status in {Status.PUBLISHED, Status.UNPUBLISHED, Status.TAKEN_DOWN}
        or (
            article.pk is not None
            and article.transitions.filter(to_status=Status.PUBLISHED).exists()
        )
    )


def can_delete(user, article: Article) -> bool:
    """Only superusers delete, and only articles that were never published."""
    return user.is_superuser and not was_published(article)


def visible_articles(user):
    """The articles `user` may see in the admin: all for Editors, else their own."""
    if user.has_perm(EDIT_ANY):
        return Article.objects.all()
    if user.pk is None:
        return Article.objects.none()
    return Article.objects.owned_by(user)


def visible_categories(user):
    """The categories `user` may learn of in the admin: all for Editors; for
    anyone else those a reader already sees (with a live article) and those of
    the articles they may see, never one used only by someone else's
    unpublished story (or by none: a deleted story's category names it)."""
    if user.has_perm(EDIT_ANY):
        return Category.objects.all()
    own = visible_articles(user).filter(categorized_items__tag=OuterRef("pk"))
    return Category.objects.with_live_articles() | Category.objects.filter(Exists(own))


def visible_authors(user):
    """The bylines `user` may learn of in the admin: all for Editors; for anyone
    else those readers already see (on a live article), those on the articles
    they may see and their own, never one found only on someone else's
    unpublished story (or on none: a deleted story's byline names it)."""
    if user.has_perm(EDIT_ANY):
        return Author.objects.all()
    if user.pk is None:
        return Author.objects.none()
    own = visible_articles(user).filter(bylines__author=OuterRef("pk"))
    return Author.objects.with_live_articles() | Author.objects.filter(
        Q(user=user) | Exists(own)
    )


def may(user, transition: Transition, article: Article) -> bool:
    if transition.permission is None:
        return can_edit(user, article)
    return user.has_perm(transition.permission) and can_view(user, article)
