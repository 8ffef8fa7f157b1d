"""The only code that changes an article: actions that check, then run.

    if (refusal := workflow.Publish(user).check(article)) is None: ...
    workflow.Publish(user).run(article, at=when)

Every change — the six steps, saving (fields, categories, bylines, image),
restoring, corrections, pinning, share links — is one `Action` (actions.py): its
`check` says why not (a `Refusal`) or None, and its `run` locks the row, checks
again, changes, writes the one audit entry (`ArticleTransition`, with the
action's name), keeps a revision when editable content changed, and on commit
sends `article_changed` (signals.py). Django's admin `LogEntry` is not written
for articles: the audit entry is the one trail.

"Scheduled" and "expired" are not statuses: they fall out of `publish_at` and
`expire_at` when `Article.objects.live()` runs, so nothing has to wake up to
publish an article.

rules.py holds the one table of transitions (TRANSITIONS; ALLOWED is read from
it) and who may see and edit what; steps.py the six steps; editing.py saving,
restoring, corrections and pins; sharing.py share links. Import from here:
`from articles import workflow; workflow.publish(article, by=user)`.
"""

from .actions import Action, stored
from .editing import (
    AddCorrection,
    Pin,
    RestoreRevision,
    SaveArticle,
    add_correction,
    changed_since,
    delete_article,
    edited_since_import,
    pin,
    restore_revision,
    save_article,
    unique_slug,
)
from .rules import (
    ADD,
    ADD_CORRECTION,
    ALLOWED,
    CHANGE,
    EDIT_ANY,
    IMPORTER,
    PROTECTED_FIELDS,
    PUBLISH,
    SYSTEM,
    TAKE_DOWN,
    TRANSITIONS,
    VIEW,
    WORKFLOW_FIELDS,
    ActionRefused,
    Refusal,
    StaleVersion,
    Status,
    Transition,
    TransitionError,
    can_delete,
    can_edit,
    can_view,
    may,
    sources_of,
    visible_articles,
    visible_categories,
    was_published,
)
from .sharing import (
    DEFAULT_HOURS,
    MAX_HOURS,
    CreateShareLink,
    RevokeShareLink,
    create_share_link,
    revoke_share_link,
)
from .signals import (
    Batch,
    Touched,
    announce,
    article_changed,
    batch,
    batch_finished,
    current_batch,
)
from .steps import (
    STEPS,
    Publish,
    Reopen,
    SendBack,
    Step,
    Submit,
    TakeDown,
    Unpublish,
    apply_imported_status,
    available_transitions,
    imported_step,
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
    "DEFAULT_HOURS",
    "EDIT_ANY",
    "IMPORTER",
    "MAX_HOURS",
    "PROTECTED_FIELDS",
    "PUBLISH",
    "STEPS",
    "SYSTEM",
    "TAKE_DOWN",
    "TRANSITIONS",
    "VIEW",
    "WORKFLOW_FIELDS",
    "Action",
    "ActionRefused",
    "AddCorrection",
    "Batch",
    "CreateShareLink",
    "Pin",
    "Publish",
    "Refusal",
    "Reopen",
    "RestoreRevision",
    "RevokeShareLink",
    "SaveArticle",
    "SendBack",
    "StaleVersion",
    "Status",
    "Step",
    "Submit",
    "TakeDown",
    "Touched",
    "Transition",
    "TransitionError",
    "Unpublish",
    "add_correction",
    "announce",
    "apply_imported_status",
    "article_changed",
    "available_transitions",
    "batch",
    "batch_finished",
    "can_delete",
    "can_edit",
    "can_view",
    "changed_since",
    "create_share_link",
    "current_batch",
    "delete_article",
    "edited_since_import",
    "imported_step",
    "may",
    "perform",
    "pin",
    "publish",
    "reopen",
    "restore_revision",
    "revoke_share_link",
    "save_article",
    "send_back",
    "sources_of",
    "stored",
    "submit",
    "take_down",
    "unique_slug",
    "unpublish",
    "visible_articles",
    "visible_categories",
    "was_published",
]
