"""Front-matter documents (Jekyll style) to articles and back.

A document is a YAML front matter block between `---` lines, then the body source,
kept byte for byte (everything after the closing `---` line). Decisions a reader
of the data may need:

- Identity: a document is known by its front-matter `id`, else `permalink`, else its
  file name (NFC), stored as `Article.document_key`. Importing it again updates that
  article; the slug it got first (or an editor's later change) is kept, and so is
  its publish time.
- Title, excerpt, feature text and the image texts lose surrounding whitespace: a
  YAML folded scalar (`>`) ends with a line break that is layout, not content, and
  the admin's form fields strip the same way. The seed fixture follows this rule.
- Body format: `.md`/`.markdown` Markdown, `.html`/`.htm` HTML; any other extension
  (the seed is `.txt`) is HTML when the body starts with a tag, else Markdown.
- Front-matter keys we do not model are kept in `Article.front_matter` and written
  back on export; dates in them are kept as ISO text.
- Images named by a path on the old site (`/assets/...`, or relative to the
  document) are placed through `assets.OldSite` (`--assets`, `--site-url`); what
  cannot be placed is a warning, not a refusal. The document's own `image` value
  and body image paths are kept in `front_matter[ORIGINAL_KEY]` and exported.
- A run is all or nothing: every document is read and checked before anything is
  written, and the writes share one transaction.
"""

from .assets import OldSite
from .documents import (
    DOCUMENT_SUFFIXES,
    Document,
    DocumentError,
    ImportRefused,
    detect_format,
    find_documents,
    parse_document,
    read_document,
    read_documents,
    split_front_matter,
)
from .exporting import export_articles, export_document, export_file_name
from .writing import (
    ImportResult,
    import_document,
    import_documents,
    import_paths,
)

__all__ = [
    "DOCUMENT_SUFFIXES",
    "Document",
    "DocumentError",
    "ImportRefused",
    "ImportResult",
    "OldSite",
    "detect_format",
    "export_articles",
    "export_document",
    "export_file_name",
    "find_documents",
    "import_document",
    "import_documents",
    "import_paths",
    "parse_document",
    "read_document",
    "read_documents",
    "split_front_matter",
]
