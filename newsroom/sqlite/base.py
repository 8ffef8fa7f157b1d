"""Django's SQLite backend, with a schema editor that lifts the copy triggers.

SQLite alters a table by rebuilding it (create, copy, drop, rename), and the
rename fails while any trigger names a table that is, for that moment, gone.
The triggers that copy an article's visibility onto its category and byline
rows (articles/denormalized.py) name both tables, so every schema change,
whether run by `migrate`, the migration executor or a test, drops them inside
its transaction and creates them again before it commits, copying every row
again. A change that fails rolls back with the triggers still in place.
"""

from django.db.backends.sqlite3 import base, schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def __enter__(self):
        from articles import denormalized

        editor = super().__enter__()
        self._copy_triggers_lifted = denormalized.uninstall(self.connection.alias)
        return editor

    def __exit__(self, exc_type, exc_value, traceback):
        from articles import denormalized

        alias = self.connection.alias
        if exc_type is None and self._copy_triggers_lifted:
            denormalized.install_if_migrated(alias)
        return super().__exit__(exc_type, exc_value, traceback)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
