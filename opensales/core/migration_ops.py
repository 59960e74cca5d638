"""Migration operations of our own."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class AlterFieldIndex(migrations.AlterField):
    """An `AlterField` that changes nothing but `db_index`, done as one DROP INDEX or CREATE INDEX.

    Django's SQLite backend performs every AlterField by rebuilding the whole table, once per field:
    dropping the copied indexes of a history table (core.history.history_records) field by field
    would copy a table of millions of rows seven times over. The state change is AlterField's."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        # (AlterField's database_backwards calls this with the states swapped.)
        old_model = from_state.apps.get_model(app_label, self.model_name)
        new_model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, new_model):
            return
        old = old_model._meta.get_field(self.name)
        new = new_model._meta.get_field(self.name)
        old_kwargs, new_kwargs = old.deconstruct()[3], new.deconstruct()[3]
        changed = {k for k in old_kwargs.keys() | new_kwargs.keys() if old_kwargs.get(k) != new_kwargs.get(k)}
        if changed - {"db_index"} or old.column != new.column:
            raise ValueError(f"AlterFieldIndex changes db_index only, not {sorted(changed)}")
        if old.db_index and not new.db_index:
            # Every single-column index of the column (PostgreSQL adds a "_like" one to text columns).
            for name in schema_editor._constraint_names(old_model, [old.column], index=True, unique=False):
                schema_editor.execute(schema_editor._delete_index_sql(old_model, name))
        elif new.db_index and not old.db_index:
            schema_editor.execute(schema_editor._create_index_sql(new_model, fields=[new]))
            like = getattr(schema_editor, "_create_like_index_sql", None)
            if like is not None and (sql := like(new_model, new)) is not None:
                schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Alter the index of field {self.name} on {self.model_name}"
