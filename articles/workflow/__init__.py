"""The publishing state machine.

`status`, publication times and revisions change here and nowhere else. The admin,
views, management commands and tests call these functions. Each one checks the
person (PermissionDenied) and the article's state in the database
(TransitionError), records the step in the transition log and keeps a revision.

"Scheduled" and "expired" are not statuses: they fall out of `publish_at` and
`expire_at` when `Article.objects.live()` runs, so nothing has to wake up to
publish an article.

rules.py says who may take which step; steps.py takes them; editing.py saves,
restores and corrects; records.py holds what they share. Import from here:
`from articles import workflow; workflow.publish(article, by=user)`.
"""

from .editing import (
    add_correction,
    delete_article,
    restore_revision,
    save_article,
    unique_slug,
)
from .records import record_revision
from .rules import (
    ADD,
    ADD_CORRECTION,
    ALLOWED,
    CHANGE,
    EDIT_ANY,
    PROTECTED_FIELDS,
    PUBLISH,
    SYSTEM,
    TAKE_DOWN,
    TRANSITIONS,
    VIEW,
    WORKFLOW_FIELDS,
    StaleVersion,
    Status,
    Transition,
    TransitionError,
    available_transitions,
    can_delete,
    can_edit,
    can_view,
    may,
    visible_articles,
    was_published,
)
from .steps import (
    STEPS,
    apply_imported_status,
    perform,
    publish,
    reopen,
    send_back,
    submit,
    take_down,
    unpublish,
)

__all__ = [
    "ADD",
    "ADD_CORRECTION",
    "ALLOWED",
    "CHANGE",
    "EDIT_ANY",
    "PROTECTED_FIELDS",
    "PUBLISH",
    "STEPS",
    "SYSTEM",
    "TAKE_DOWN",
    "TRANSITIONS",
    "VIEW",
    "WORKFLOW_FIELDS",
    "StaleVersion",
    "Status",
    "Transition",
    "TransitionError",
    "add_correction",
    "apply_imported_status",
    "available_transitions",
    "can_delete",
    "can_edit",
    "can_view",
    "delete_article",
    "may",
    "perform",
    "publish",
    "record_revision",
    "reopen",
    "restore_revision",
    "save_article",
    "send_back",
    "submit",
    "take_down",
    "unique_slug",
    "unpublish",
    "visible_articles",
    "was_published",
]
