"""Dependencies point one way: faces -> workflow and querysets -> models, images,
rendering (STYLE.md §1).

Each domain module's source is parsed and every import in it followed (imports
inside functions and `if TYPE_CHECKING:` blocks too: a lazy import still ties the
modules together, which is how `images` -> `forms` -> `models` -> `images` hid).
First-party modules that are neither domain nor face (`articles.text`,
`articles.revisions`, ...) are followed through, so a face reached by way of a
helper is caught as well. Parsing, not importing: a test run has long since
imported the admin, so `sys.modules` proves nothing.

An import-linter contract would say the same; this keeps the rule without a new
dev dependency (and import-linter reads only module-level imports by default, so
it would have missed the lazy import above).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = ("articles", "search", "newsroom")

# Where the rules of the newsroom live. Whole packages are listed by prefix, so a
# module added to workflow/ or search/ is checked without editing this list.
DOMAIN_PREFIXES = (
    "articles.models",
    "articles.workflow",
    "search",
)
DOMAIN_MODULES = {
    "articles.images",
    "articles.rendering",
    "articles.querysets",
}
# The faces of search: its page and its commands.
NOT_DOMAIN_PREFIXES = ("search.views", "search.urls", "search.management")

# What turns requests and input into calls: no domain module may import these.
FACE_PREFIXES = (
    "articles.forms",
    "articles.admin",
    "articles.views",
    "articles.preview_views",
    "articles.feeds",
    "articles.sitemaps",
    "articles.urls",
    "articles.templatetags",
    "articles.management",
    "articles.context_processors",
    "articles.importing",
    "search.views",
    "search.urls",
    "search.management",
    "newsroom.urls",
    "django.forms",
    "django.contrib.admin",
    "django.views",
    "django.http",
    "django.shortcuts",
)
# images and rendering are leaves: no models either (STYLE.md §1).
LEAVES = {"articles.images", "articles.rendering"}
LEAF_FORBIDDEN = ("articles.models", "articles.querysets", "articles.workflow")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    files = {}
    for package in FIRST_PARTY:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                files[module_name(path)] = path
    return files


FILES = source_files()


def starts(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def is_domain(name: str) -> bool:
    return (name in DOMAIN_MODULES or starts(name, DOMAIN_PREFIXES)) and not starts(
        name, NOT_DOMAIN_PREFIXES
    )


def is_package(name: str) -> bool:
    return FILES.get(name, Path()).name == "__init__.py"


def imports_of(source: str, name: str) -> set[str]:
    """Every module `source` (the text of module `name`) imports, absolute."""
    package = name if is_package(name) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from . import images` imports the module articles.images.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    # Importing a.b.c runs a and a.b first.
    with_parents = set()
    for module in found:
        parts = module.split(".")
        with_parents.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {
        module
        for module in with_parents
        if module in FILES or not module.startswith(FIRST_PARTY)
    }


def reachable(start: str) -> dict[str, list[str]]:
    """Every module `start` imports, directly or through first-party helpers,
    with the chain that gets there."""
    chains = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop()
        if starts(current, FACE_PREFIXES):
            continue  # reported; what a face imports is its own business
        source = FILES[current].read_text(encoding="utf-8")
        for module in imports_of(source, current):
            if module in chains:
                continue
            chains[module] = [*chains[current], module]
            if module in FILES:
                todo.append(module)
    return chains


DOMAIN = sorted(name for name in FILES if is_domain(name))


def test_the_domain_list_finds_the_modules_the_style_guide_names():
    assert {
        "articles.images",
        "articles.rendering",
        "articles.querysets",
        "articles.models.article",
        "articles.workflow",
        "search.indexing",
        "search.models",
    } <= set(DOMAIN)
    assert "search.views" not in DOMAIN


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_never_imports_a_form_an_admin_module_or_a_view(module):
    faces = [
        " -> ".join(chain)
        for name, chain in sorted(reachable(module).items())
        if starts(name, FACE_PREFIXES)
    ]
    assert faces == []


@pytest.mark.parametrize("module", sorted(LEAVES))
def test_images_and_rendering_import_no_models_querysets_or_workflow(module):
    found = [
        " -> ".join(chain)
        for name, chain in sorted(reachable(module).items())
        if starts(name, LEAF_FORBIDDEN)
    ]
    assert found == []


def test_a_lazy_import_inside_a_function_counts():
    """The hole this test closes: images imported forms inside a function."""
    source = "def _stills(source):\n    from .forms import IMAGE_FORMATS\n"

    assert "articles.forms" in imports_of(source, "articles.images")


def test_a_face_reached_through_a_helper_module_is_reported(tmp_path, monkeypatch):
    helper = tmp_path / "helper.py"
    helper.write_text("from articles.admin import widgets\n", encoding="utf-8")
    domain = tmp_path / "domain.py"
    domain.write_text("from articles import helper\n", encoding="utf-8")
    monkeypatch.setitem(FILES, "articles.helper", helper)
    monkeypatch.setitem(FILES, "articles.fake_domain", domain)

    chains = reachable("articles.fake_domain")

    assert chains["articles.admin"] == [
        "articles.fake_domain",
        "articles.helper",
        "articles.admin",
    ]
