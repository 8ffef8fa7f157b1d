"""The six steps of the state machine as actions: submit, send back, publish,
unpublish, reopen, take down. Each is one row of TRANSITIONS; its sources and
target are read from there."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ..models import Article
from ..text import nfc
from .actions import Action
from .records import shown_time
from .rules import (
    IMPORTER,
    TRANSITIONS,
    Status,
    Transition,
    TransitionError,
    may,
)


def clean_text(value: str | None) -> str | None:
    return None if value is None else nfc(value.strip())


class Step(Action):
    """A move from one status to another, as TRANSITIONS allows it."""

    transition: Transition
    # A step's text input that cannot be empty ("comment" or "notice") and why.
    required: str = ""
    missing: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.transition = TRANSITIONS[cls.name]
        cls.label = cls.transition.label
        cls.denied = f"‘{cls.label}’ 권한이 없습니다."

    def permitted(self, article: Article) -> bool:
        return may(self.user, self.transition, article)

    def refusal(self, article: Article, **inputs) -> str | None:
        if article.status not in self.transition.sources:
            return (
                f"‘{article.get_status_display()}’ 상태인 기사는 "
                f"‘{self.label}’할 수 없습니다."
            )
        if self.required and inputs.get(self.required) is not None:
            if not clean_text(inputs[self.required]):
                return self.missing
        return None

    def prepare(self, **inputs):
        for key in ("comment", "notice"):
            if key in inputs or key == self.required:
                inputs[key] = clean_text(inputs.get(key)) or ""
        return inputs

    def apply(self, article: Article, **inputs) -> list[str]:
        fields = ["status"]
        if article.first_published_at is None and Status.PUBLISHED in (
            article.status,
            self.transition.target,
        ):
            article.first_published_at = article.publish_at or timezone.now()
            fields.append("first_published_at")
        article.status = self.transition.target
        return fields

    def entry(self, article, from_status, **inputs) -> str:
        return inputs.get("comment", "")


class Submit(Step):
    """Send a draft to the editors for review."""

    name = "submit"


class SendBack(Step):
    """Return a submission to its draft state, saying why."""

    name = "send_back"
    required = "comment"
    missing = "반려 사유를 적어 주세요."


_KEEP = object()


class Publish(Step):
    """Publish now, or schedule for `at` when it lies in the future."""

    name = "publish"

    def _times(self, article, at, expire_at, now):
        publish_at = at or article.publish_at or now
        expire = article.expire_at if expire_at is _KEEP else expire_at
        return publish_at, expire

    def refusal(
        self, article, *, at=None, expire_at=_KEEP, now=None, **inputs
    ) -> str | None:
        if reason := super().refusal(article, **inputs):
            return reason
        now = now or timezone.now()
        publish_at, expire = self._times(article, at, expire_at, now)
        if expire is not None:
            if expire <= publish_at:
                return "게재 종료 시각은 게재 시각보다 뒤여야 합니다."
            if expire <= now:
                return (
                    "게재 종료 시각이 이미 지났습니다. 종료 시각을 바꾸거나 비운 뒤 "
                    "게재하세요."
                )
        return None

    def prepare(self, **inputs):
        inputs = super().prepare(**inputs)
        inputs["now"] = inputs.get("now") or timezone.now()
        return inputs

    def apply(self, article, *, at=None, expire_at=_KEEP, now=None, **inputs):
        article.publish_at, article.expire_at = self._times(article, at, expire_at, now)
        return [*super().apply(article), "publish_at", "expire_at"]

    def entry(self, article, from_status, *, now=None, **inputs) -> str:
        comment = inputs.get("comment", "")
        if article.publish_at > now:
            scheduled = f"예약 게재: {shown_time(article.publish_at)}"
            return f"{scheduled} — {comment}" if comment else scheduled
        return comment


class Unpublish(Step):
    """Withdraw a published article from the site; it is kept, not deleted."""

    name = "unpublish"


class Reopen(Step):
    """Bring a withdrawn article back to a draft, to rework it."""

    name = "reopen"


class TakeDown(Step):
    """Take a published article down: its address then answers 410 with `notice`."""

    name = "take_down"
    required = "notice"
    missing = "독자에게 보일 삭제 조치 안내문을 적어 주세요."

    def apply(self, article, *, notice="", now=None, **inputs):
        article.takedown_notice = notice
        article.taken_down_at = now or timezone.now()
        return [*super().apply(article), "takedown_notice", "taken_down_at"]

    def entry(self, article, from_status, *, notice="", **inputs) -> str:
        return notice


STEPS: dict[str, type[Step]] = {
    step.name: step for step in (Submit, SendBack, Publish, Unpublish, Reopen, TakeDown)
}
assert set(STEPS) == set(TRANSITIONS), "every row of TRANSITIONS has its action"


def available_transitions(article: Article, user) -> list[Transition]:
    """The steps `user` may take with `article` as it stands."""
    return [
        TRANSITIONS[name]
        for name, step in STEPS.items()
        if step(user).check(article) is None
    ]


def perform(article: Article, name: str, *, by, **inputs) -> Article:
    """Take the step called `name` (a key of TRANSITIONS)."""
    if name not in STEPS:
        raise TransitionError(f"알 수 없는 단계입니다: {name}")
    return STEPS[name](by).run(article, **inputs)


def submit(article: Article, *, by, comment: str = "") -> Article:
    return Submit(by).run(article, comment=comment)


def send_back(article: Article, *, by, comment: str) -> Article:
    return SendBack(by).run(article, comment=comment)


def publish(
    article: Article,
    *,
    by,
    at: datetime | None = None,
    expire_at: datetime | None | object = _KEEP,
    now: datetime | None = None,
    comment: str = "",
) -> Article:
    return Publish(by).run(
        article, at=at, expire_at=expire_at, now=now, comment=comment
    )


def unpublish(article: Article, *, by, comment: str = "") -> Article:
    return Unpublish(by).run(article, comment=comment)


def reopen(article: Article, *, by, comment: str = "") -> Article:
    return Reopen(by).run(article, comment=comment)


def take_down(
    article: Article, *, by, notice: str, now: datetime | None = None
) -> Article:
    return TakeDown(by).run(article, notice=notice, now=now)


def imported_step(article: Article, *, published: bool):
    """The step that makes `article` follow an imported document's `published`
    flag without undoing editors, as (Step class, inputs), or None.

    A draft or submission whose document says published is published (at its
    publish time); a published article whose document says otherwise is
    unpublished. An article an editor unpublished or took down stays that way.
    """
    if published and article.status in {Status.DRAFT, Status.IN_REVIEW}:
        return Publish, {"at": article.publish_at}
    if not published and article.status == Status.PUBLISHED:
        return Unpublish, {"comment": "가져온 문서가 비공개입니다."}
    return None


def apply_imported_status(article: Article, *, published: bool, by=IMPORTER):
    """Take `imported_step` on its own, for an article already saved."""
    if (chosen := imported_step(article, published=published)) is None:
        return article
    step, inputs = chosen
    return step(by).run(article, **inputs)
