"""Saving an editor's changes, restoring revisions, corrections, pinning, deletion.

Saving is one action whatever it carries: fields, categories, bylines, image.
`expected_version` is the version the editor started from and cannot be left
out: a save over a version they never saw is refused (StaleVersion), and so is a
save that does not say which version it started from.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from search import indexing

from .. import fragments, images, revisions
from ..models import (
    Article,
    ArticleRevision,
    ArticleTransition,
    Author,
    Byline,
    CategorizedArticle,
    Category,
    Correction,
    Image,
    SlugRedirect,
)
from ..text import nfc, unicode_slug
from . import media
from .actions import Action, stored
from .gathering import current_gathering, write
from .records import actor, revision_row, shown_time
from .rules import (
    ADD,
    ADD_CORRECTION,
    EDIT_ANY,
    IMPORTER,
    PROTECTED_FIELDS,
    PUBLISH,
    WORKFLOW_FIELDS,
    Refusal,
    Status,
    can_delete,
    can_edit,
    can_view,
    was_published,
)
from .signals import Touched, notify
from .steps import Step, clean_text

STALE = (
    "이 기사를 연 뒤에 {who}님이 먼저 저장했습니다(지금 {current}판, 연 것은 "
    "{seen}판). 입력한 내용은 아래에 그대로 있습니다."
)
NO_VERSION = (
    "어느 판을 고친 것인지 알 수 없어 저장하지 않았습니다. 기사를 다시 열어 고치세요."
)


def slug_base(title: str) -> str:
    """The slug `title` gives before any "-2" that keeps it unique."""
    return unicode_slug(title, max_length=190) or "article"


def unique_slug(
    title: str, *, exclude_pk: int | None = None, free: Container[str] = ()
) -> str:
    """A slug from `title` that no other article uses, now or as an old address.

    `free`: slugs the caller found unused a moment ago, in the same transaction
    (a bulk import checks all its titles at once): such a base is taken as is.
    """
    base = slug_base(title)
    if base in free:
        return base
    candidate, n = base, 2
    while (
        Article.objects.exclude(pk=exclude_pk).filter(slug=candidate).exists()
        or SlugRedirect.objects.filter(old_slug=candidate)
        .exclude(article_id=exclude_pk)
        .exists()
    ):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def last_saved_by(article: Article) -> str:
    latest = ArticleRevision.objects.filter(article_id=article.pk).order_by("-pk")
    entry = latest.values_list("created_by_name", flat=True).first()
    return entry or "다른 사람"


class SaveArticle(Action):
    """Save an editor's changes: fields, categories, bylines and image together.

    `run(edited, expected_version=..., categories=..., bylines=...)`: `edited` is
    the article with the typed values (unsaved); categories are names (or
    Category rows a caller has looked up already), bylines author ids (or
    Author rows) in order; None leaves either as stored.
    """

    name = "save"
    label = "저장"
    denied = "이 기사를 고칠 권한이 없습니다."

    def permitted(self, article: Article) -> bool:
        return can_edit(self.user, article)

    def refusal(self, article, *, edited=None, **inputs) -> str | None:
        if "expected_version" in inputs:
            seen = inputs["expected_version"]
            if seen is None:
                return Refusal(NO_VERSION, code="stale", current=article.version)
            if seen != article.version:
                message = STALE.format(
                    who=last_saved_by(article), current=article.version, seen=seen
                )
                return Refusal(
                    message, code="stale", current=article.version, seen=seen
                )
        if edited is not None:
            for name, permission in PROTECTED_FIELDS.items():
                if getattr(edited, name) != getattr(
                    article, name
                ) and not self.user.has_perm(permission):
                    return Refusal(
                        f"‘{name}’ 항목을 바꿀 권한이 없습니다.", permission=True
                    )
        return None

    def refusal_for_new(self, edited: Article) -> Refusal | None:
        user = self.user
        if not user.has_perm(ADD):
            return Refusal("기사를 쓸 권한이 없습니다.", permission=True)
        if (
            edited.owner_id is not None
            and edited.owner_id != getattr(user, "pk", None)
            and not user.has_perm(EDIT_ANY)
        ):
            return Refusal(
                "다른 사람을 담당자로 정할 권한이 없습니다.", permission=True
            )
        if (edited.publish_at or edited.expire_at) and not user.has_perm(PUBLISH):
            return Refusal("게재 시각을 정할 권한이 없습니다.", permission=True)
        return None

    def check(self, article: Article, **inputs) -> Refusal | None:
        if article.pk is None:
            return self.refusal_for_new(article)
        return super().check(article, **inputs)

    def run(
        self,
        edited: Article,
        *,
        expected_version: int | None,
        categories: Sequence[str | Category] | None = None,
        bylines: Sequence[int | Author] | None = None,
        note: str = "",
        then: Callable[[Article], tuple[type[Step], dict] | None] | None = None,
    ) -> Article:
        """Save `edited`; `then(article)` may name a step to take in the same run.

        `then` is asked on the locked row with the typed values in place (see
        `steps.imported_step`); the step it names is checked and applied like
        its own action would, and leaves its own audit entry, but the article is
        written once, with one revision and one `article_changed`: an import
        that creates and publishes pays for one change, not two.

        In its own transaction, or a savepoint of the caller's; inside a bulk
        run's `gathered()` block (all or nothing, see gathering.py) in the
        run's, with its category rows, byline, audit entries and revision
        written when the run flushes them.
        """
        with transaction.atomic(savepoint=current_gathering() is None):
            return self._run(
                edited,
                expected_version=expected_version,
                categories=categories,
                bylines=bylines,
                note=note,
                then=then,
            )

    def _run(self, edited, *, expected_version, categories, bylines, note, then):
        if edited._state.adding:
            if (refusal := self.refusal_for_new(edited)) is not None:
                self.raise_for(refusal)
            before, from_status = None, Status.DRAFT
            self._prepare_new(edited)
            comment = ""
        else:
            current = stored(edited)
            refusal = self.check(
                current, edited=edited, expected_version=expected_version
            )
            if refusal is not None:
                self.raise_for(refusal)
            before, from_status = Touched.of(current), current.status
            for name in WORKFLOW_FIELDS:
                setattr(edited, name, getattr(current, name))
            if not edited.slug:
                edited.slug = unique_slug(edited.title, exclude_pk=edited.pk)
            _keep_old_address(edited, current)
            comment = _schedule_change(edited, current)
            edited.version = current.version + 1
        step = _take_step(self.user, edited, then)
        _store_image(edited)
        # Rewritten only when they changed: each costs several queries.
        names = None if categories is None else _names(categories)
        recategorise = names is not None and (
            before is None or set(names) != before.categories
        )
        # New category rows send no signal the index hears: build the entry
        # once, after they are written, instead of at the save. The stored
        # fragments too: rendered once, after categories, bylines and
        # renditions moved.
        with fragments.deferred():
            with indexing.deferred() if recategorise else nullcontext():
                edited.save()
                if recategorise:
                    names = set_categories(edited, categories, new=before is None)
            people = _authors(bylines)
            authors = (
                None if bylines is None else list(dict.fromkeys(map(_pk, bylines)))
            )
            if authors is not None and (
                before is None or tuple(authors) != before.authors
            ):
                set_bylines(edited, authors, new=before is None)
            media.sync_public_files(edited)  # queues renditions when the image changed
            if before is not None and current.image_id not in (None, edited.image_id):
                media.release_image(current.image)  # replaced or cleared
        action = self.name if before else "create"
        entries = [
            ArticleTransition(
                article=edited,
                action=action,
                from_status=from_status,
                to_status=from_status,
                comment=comment,
                **actor(self.user),
            )
        ]
        if step is not None:
            entries.append(step.transition_entry(edited))
        note = note or (self.label if before else "작성")
        if names is None:
            names = sorted(before.categories) if before is not None else None
        if people is None and authors is not None and current_gathering():
            # The revision would read the byline back, and it is not written
            # yet: its authors, in order, from the ids given.
            found = Author.objects.in_bulk(authors)
            people = [found[pk] for pk in authors if pk in found]
        revision = revision_row(
            edited, by=self.user, note=note, categories=names, bylines=people
        )
        write(edited, [*entries, revision])
        after = Touched.of(edited, categories=names, authors=authors)
        notify(edited, before, after, action)
        return edited

    def entry(self, article, from_status, *, comment="", **inputs) -> str:
        return comment

    def _prepare_new(self, article: Article) -> None:
        if article.owner_id is None and getattr(self.user, "pk", None):
            article.owner = self.user
        # A new article always starts as a draft; publishing is a step of its own.
        article.status = Status.DRAFT
        article.first_published_at = None
        article.version = 1
        article.slug = article.slug or unique_slug(article.title)


def _store_image(article: Article) -> None:
    """Save the article's image record first: a new upload stored without
    metadata and upright, whichever face sent it (the admin's field cleans it
    already; a caller with a raw file may not), or the typed texts of the
    image it keeps."""
    image: Image | None = article.image
    if image is None:
        return
    if image.pk is None:
        upload = image.file
        if upload and not upload._committed:
            if not isinstance(upload.file, images.CleanOriginal):
                image.file = images.cleaned(upload.file)
        image.save()
        article.image = image
    else:
        image.save(update_fields=["alt", "caption", "credit"])
        _retell_others(image, article)


def _retell_others(image: Image, article: Article) -> None:
    """The image's texts show on every article using it: refresh the other
    articles' stored cards and pages and purge their pages (the edited one is
    refreshed and purged by its own save). A shared image is rare; the check
    is one query."""
    others = list(media.showing(image).exclude(pk=article.pk))
    if not others:
        return
    fragments.touched([other.pk for other in others])
    for other in others:
        snapshot = Touched.of(other)
        notify(other, snapshot, snapshot, "image_texts")


@dataclass
class _TakenStep:
    """A step applied inside a save, to be audited once the row is written."""

    action: Step
    from_status: str
    inputs: dict

    def transition_entry(self, article: Article) -> ArticleTransition:
        return ArticleTransition(
            article=article,
            action=self.action.name,
            from_status=self.from_status,
            to_status=article.status,
            comment=self.action.entry(article, self.from_status, **self.inputs),
            **actor(self.action.user),
        )


def _pk(author: int | Author) -> int:
    return author if isinstance(author, int) else author.pk


def _authors(bylines) -> list[Author] | None:
    """The byline's authors when the caller gave rows, in order; else None."""
    if bylines is None or not all(isinstance(a, Author) for a in bylines):
        return None
    return list({author.pk: author for author in bylines}.values())


def _names(categories: Sequence[str | Category]) -> list[str]:
    return list(
        dict.fromkeys(nfc(c) if isinstance(c, str) else c.name for c in categories)
    )


def _take_step(user, edited: Article, then) -> _TakenStep | None:
    """Check and apply the step `then` names for `edited`, or None."""
    chosen = then(edited) if then is not None else None
    if chosen is None:
        return None
    step_class, inputs = chosen
    action = step_class(user)
    inputs = action.prepare(**inputs)
    if (refusal := action.check(edited, **inputs)) is not None:
        action.raise_for(refusal)
    from_status = edited.status
    action.apply(edited, **inputs)
    return _TakenStep(action, from_status, inputs)


def find_categories(
    names: Sequence[str], *, create: bool = True
) -> dict[str, Category]:
    """The stored categories of `names` (NFC), by lower-cased name, one query for
    up to 200 names; missing ones are created through the model (its slug
    rules), unless `create` is false.

    TAGGIT_CASE_INSENSITIVE: "it" finds "IT", as taggit's own lookup would.
    """
    wanted = list(dict.fromkeys(nfc(name) for name in names))
    found: dict[str, Category] = {}
    for start in range(0, len(wanted), 200):
        matches = Q()
        for name in wanted[start : start + 200]:
            matches |= Q(name__iexact=name)
        found.update((c.name.lower(), c) for c in Category.objects.filter(matches))
    for name in wanted:
        if create and name.lower() not in found:
            found[name.lower()] = Category.objects.create(name=name)
    return found


def set_categories(
    article: Article, categories: Sequence[str | Category], *, new: bool
) -> list[str]:
    """Make the article's categories exactly these (names or rows) in a few
    queries; return their names as stored ("it" finds "IT").

    taggit's `set()` looks each name up and adds each row on its own (five
    queries a category); this looks them all up at once (`find_categories`;
    rows given need no lookup) and writes the rows in one insert (or gathers
    them for a bulk run's, `gathering.write`). `new`: the
    article has no rows yet. The caller's deferred index build reads the
    result, so no m2m signal is needed.
    """
    names = [c for c in categories if isinstance(c, str)]
    stored = find_categories(names) if names else {}
    found: dict[int, Category] = {}
    for category in categories:
        if isinstance(category, str):
            category = stored[nfc(category).lower()]
        found[category.pk] = category
    have: set[int] = set()
    if not new:  # a new article has none: not even the queryset is built
        rows = CategorizedArticle.objects.filter(content_object=article)
        have = set(rows.values_list("tag_id", flat=True))
        if gone := have - set(found):
            rows.filter(tag_id__in=gone).delete()
    write(
        article,
        [
            CategorizedArticle(content_object=article, tag=category)
            for pk, category in found.items()
            if pk not in have
        ],
    )
    return [category.name for category in found.values()]


def set_bylines(
    article: Article, author_ids: Sequence[int], *, new: bool = False
) -> None:
    """Make the byline exactly these authors, in this order.

    `new`: the article has no bylines yet (one insert, nothing to compare).
    """
    ids = list(dict.fromkeys(author_ids))
    have: dict[int, Byline] = {}
    if not new:
        article.bylines.exclude(author_id__in=ids).delete()
        have = {b.author_id: b for b in article.bylines.filter(author_id__in=ids)}
    moved = []
    for position, author_id in enumerate(ids):
        if (byline := have.get(author_id)) is not None and byline.position != position:
            byline.position = position
            moved.append(byline)
    if moved:
        Byline.objects.bulk_update(moved, ["position"])
    write(
        article,
        [
            Byline(article=article, author_id=author_id, position=position)
            for position, author_id in enumerate(ids)
            if author_id not in have
        ],
    )


def _keep_old_address(article: Article, current: Article) -> None:
    """A published article's old slug keeps answering, with a permanent redirect."""
    if article.slug == current.slug:
        return
    SlugRedirect.objects.filter(old_slug=article.slug).delete()
    if was_published(current):
        SlugRedirect.objects.update_or_create(
            old_slug=current.slug, defaults={"article": article}
        )


def _schedule_change(article: Article, current: Article) -> str:
    parts = []
    for name, label in (("publish_at", "게재 시각"), ("expire_at", "게재 종료 시각")):
        before, after = getattr(current, name), getattr(article, name)
        if before != after:
            shown = [shown_time(v) if v else "없음" for v in (before, after)]
            parts.append(f"{label}: {shown[0]} → {shown[1]}")
    return "; ".join(parts)


def save_article(
    article: Article, *, by, expected_version: int | None = None, note: str = ""
) -> Article:
    """Save `article` as read: refused if someone saved it since it was loaded.

    Without `expected_version`, the version the instance was loaded at counts.
    """
    if expected_version is None and not article._state.adding:
        expected_version = article.version
    return SaveArticle(by).run(article, expected_version=expected_version, note=note)


class RestoreRevision(Action):
    """Bring back a revision's text, images, categories and bylines as a new one.

    Status and times stay as they are: those move only through the steps.
    """

    name = "restore"
    label = "복원"
    denied = "이 기사를 고칠 권한이 없습니다."

    def permitted(self, article):
        return can_edit(self.user, article)

    def refusal(self, article, *, revision=None, **inputs):
        if revision is not None and revision.article_id != article.pk:
            return "다른 기사의 판은 복원할 수 없습니다."
        return None

    @transaction.atomic
    def run(self, article: Article, *, revision: ArticleRevision) -> Article:
        current = stored(article)
        if (refusal := self.check(current, revision=revision)) is not None:
            self.raise_for(refusal)
        data = revision.data
        slug = current.slug
        revisions.apply(current, data)
        note = f"{revision.version}판 복원"
        name = data.get("image") or ""
        image = media.image_named(name)
        # Never resurrect a removed file: the article comes back without it.
        current.image = image
        if name and image is None:
            note = f"{note} ({media.RESTORE_IMAGE_GONE})"
        else:
            revisions.apply_image_text(current, data)
        # The old slug comes back only for those who may change slugs, and only
        # while no other article has taken it since.
        if (
            not self.user.has_perm(EDIT_ANY)
            or Article.objects.exclude(pk=current.pk).filter(slug=current.slug).exists()
        ):
            current.slug = slug
        existing = set(
            Author.objects.filter(
                pk__in=[b["author"] for b in data.get("bylines", [])]
            ).values_list("pk", flat=True)
        )
        return SaveArticle(self.user).run(
            current,
            expected_version=current.version,
            categories=data.get("categories", []),
            bylines=[
                b["author"] for b in data.get("bylines", []) if b["author"] in existing
            ],
            note=note,
        )


def restore_revision(article: Article, revision: ArticleRevision, *, by) -> Article:
    return RestoreRevision(by).run(article, revision=revision)


class AddCorrection(Action):
    """Add a public correction, update or press remedy under a published article."""

    name = "add_correction"
    label = "정정·반론 추가"
    denied = "정정·반론을 붙일 권한이 없습니다."
    revises = False  # the article's editable content stays as it is
    bumps_version = False

    def permitted(self, article):
        return self.user.has_perm(ADD_CORRECTION) and can_view(self.user, article)

    def refusal(self, article, *, kind=None, text=None, **inputs):
        if article.status != Status.PUBLISHED:
            return "게재된 기사에만 정정·반론을 붙일 수 있습니다."
        if text is not None and not clean_text(text):
            return "정정 내용을 적어 주세요."
        if kind is not None and kind not in Correction.Kind.values:
            return "정정 종류를 고르세요."
        return None

    def prepare(self, *, kind="", text="", now=None):
        return {"kind": kind or "", "text": clean_text(text) or "", "now": now}

    def apply(self, article, *, kind, text, now):
        self.correction = Correction.objects.create(
            article=article,
            kind=kind,
            text=text,
            created_at=now or timezone.now(),
            created_by=self.user if getattr(self.user, "pk", None) else None,
        )
        article.last_public_change_at = self.correction.created_at
        return ["last_public_change_at"]

    def entry(self, article, from_status, **inputs):
        return f"{self.correction.get_kind_display()}: {self.correction.text}"

    def run(self, article, **inputs) -> Correction:
        super().run(article, **inputs)
        article.last_public_change_at = self.correction.created_at
        return self.correction


def add_correction(
    article: Article, *, by, kind: str, text: str, now: datetime | None = None
) -> Correction:
    return AddCorrection(by).run(article, kind=kind, text=text, now=now)


class Pin(Action):
    """Put a article at the top of the front page while it is live, or take it off."""

    name = "pin"
    label = "첫 화면 톱 고정"
    denied = "첫 화면 톱 고정을 바꿀 권한이 없습니다."
    revises = False

    def permitted(self, article):
        return self.user.has_perm(PUBLISH) and can_view(self.user, article)

    def refusal(self, article, *, pinned=None, **inputs):
        if pinned is not None and article.status == Status.TAKEN_DOWN:
            return "삭제 조치된 기사는 첫 화면에 고정할 수 없습니다."
        return None

    def apply(self, article, *, pinned: bool):
        article.is_pinned = bool(pinned)
        return ["is_pinned"]

    def entry(self, article, from_status, *, pinned: bool):
        return "첫 화면 톱에 고정" if pinned else "첫 화면 톱 고정 해제"


def pin(article: Article, *, by, pinned: bool = True) -> Article:
    return Pin(by).run(article, pinned=pinned)


@transaction.atomic
def delete_article(article: Article, *, by) -> None:
    """Delete a never-published article (superusers only)."""
    current = stored(article)
    if not can_delete(by, current):
        raise PermissionDenied(
            "게재된 적 있는 기사는 지울 수 없습니다. 삭제 조치를 쓰세요."
        )
    image = current.image
    current.delete()
    media.release_image(image)


def changed_since(article: Article, version: int) -> tuple[dict, dict, list[str]]:
    """What others changed after `version`: (that version's snapshot, the stored
    one, the names of fields that differ). Without a revision of `version`
    (articles made before revisions were kept) every field counts as changed."""
    base = (
        ArticleRevision.objects.filter(article_id=article.pk, version=version)
        .order_by("-pk")
        .values_list("data", flat=True)
        .first()
    )
    current = revisions.snapshot(article)
    if base is None:
        return {}, current, list(revisions.ORDER)
    return base, current, [c.name for c in revisions.diff(base, current)]


def edited_since_import(article: Article) -> str:
    """Why an import must leave `article` alone, or "" when it may write it.

    Someone other than the importer acted on it (a save, a step, a restore, a
    pin...) since its last import, or, never imported, since it was loaded.
    Corrections and share links change nothing an import writes, so they count
    for nothing here. Entries older than the audit log's `action` column were
    written by people or by the command line ("시스템", which the importer then
    was); a person's revision after the last imported one counts too, for saves
    made before every save left an audit entry.
    """
    importer = Q(created_by=None, created_by_name=IMPORTER.get_username()) | Q(
        created_by=None, action=""
    )
    entries = article.transitions.exclude(
        action__in=["add_correction", "share_link_create", "share_link_revoke"]
    )
    last_import = entries.filter(importer).order_by("-pk").first()
    later = entries.exclude(importer)
    if last_import is not None:
        later = later.filter(pk__gt=last_import.pk)
    if (entry := later.order_by("-pk").first()) is not None:
        return _edited(entry.created_by_name, entry.created_at, entry.step_label)
    revisions_ = article.revisions.all()
    last_revision = (
        revisions_.filter(created_by=None, note="가져오기")
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    person = revisions_.filter(created_by__isnull=False, pk__gt=last_revision or 0)
    if (revision := person.order_by("-pk").first()) is not None:
        return _edited(revision.created_by_name, revision.created_at, revision.note)
    return ""


def _edited(who: str, when, what: str) -> str:
    return (
        f"마지막 가져오기 뒤에 {who}님이 {shown_time(when)}에 ‘{what}’ "
        "처리했습니다. 편집자의 결정과 고친 내용을 지키려고 건너뜁니다."
    )
