"""Create the Reporter and Editor groups with their permissions.

Django creates permission rows only after all migrations have run (post_migrate),
so this migration creates the content types and permissions it assigns itself;
post_migrate later finds them and adds nothing twice.
"""

from django.db import migrations

# Permissions named in Article.Meta.permissions, as they stood for this migration.
CUSTOM = {
    "publish_article": "기사 게재·예약·게재 취소·반려",
    "take_down_article": "기사 삭제 조치",
    "edit_any_article": "남의 기사와 검토 중·게재된 기사 편집",
}

ROLES = {
    # Writes articles, edits their own while they are drafts, submits them.
    "Reporter": {
        "article": ["add", "change", "view"],
        "byline": ["add", "change", "delete", "view"],
        "author": ["view"],
        "category": ["view"],
        "articlerevision": ["view"],
        "articletransition": ["view"],
        "correction": ["view"],
    },
    # Edits any article, sends back, publishes, schedules, unpublishes, corrects,
    # takes down and shares previews. Only superusers delete articles.
    "Editor": {
        "article": [
            "add",
            "change",
            "view",
            "publish_article",
            "take_down_article",
            "edit_any_article",
        ],
        "byline": ["add", "change", "delete", "view"],
        "author": ["add", "change", "view"],
        "category": ["add", "change", "view"],
        "articlerevision": ["view"],
        "articletransition": ["view"],
        "correction": ["add", "view"],
        "sharelink": ["add", "change", "view"],
        "sharelinkvisit": ["view"],
        "slugredirect": ["view"],
    },
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model_name, actions in grants.items():
            model = apps.get_model("articles", model_name)
            content_type, _ = ContentType.objects.get_or_create(
                app_label="articles", model=model_name
            )
            for action in actions:
                codename = action if action in CUSTOM else f"{action}_{model_name}"
                name = CUSTOM.get(action) or (
                    f"Can {action} {model._meta.verbose_name_raw}"
                )
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=codename,
                    defaults={"name": name},
                )
                group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_workflow_states"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
