"""Rows built once per test database and copied into each test that asks for them.

Building the same reference rows through factories in every test costs about a hundred ORM calls each time. A
RowTemplate records the rows a build creates, moves them into side tables, and copies them back with one
INSERT ... SELECT per table into the test's own transaction, which rolls them back as it would rows built by
hand. A test that does not ask for them never sees them. Sequences are past the recorded ids, so rows a test
creates never take them.
"""

import copy

from django.apps import apps
from django.db import DatabaseError, connection, transaction

SIDE_PREFIX = "tpl_"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _stored_models() -> list:
    tables = set(connection.introspection.table_names())
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and model._meta.db_table in tables]


def _columns(model) -> str:
    # Generated columns are computed by the database and cannot be inserted.
    return ", ".join(_q(f.column) for f in model._meta.local_concrete_fields if not getattr(f, "generated", False))


def _ids(models) -> dict:
    found = {}
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"SELECT {_q(model._meta.pk.column)} FROM {_q(model._meta.db_table)}")
            found[model] = {row[0] for row in cursor.fetchall()}
    return found


def _id_list(ids) -> str:
    return ", ".join(str(int(i)) for i in sorted(ids))


class RowTemplate:
    """Named parts (each the rows one build created, and the object it returned), copied into tests on demand."""

    def __init__(self):
        self.models = _stored_models()
        self.rows: dict[str, dict] = {}  # part -> {model: ids}
        self.objects: dict[str, object] = {}
        self.frozen = False
        self._statements: dict[str, list[str]] = {}

    def record(self, name: str, build):
        """Run build() in its own transaction; remember the rows it created and the object it returned."""
        before = _ids(self.models)
        with transaction.atomic():
            built = build()
        after = _ids(self.models)
        self.rows[name] = {model: after[model] - before[model] for model in self.models if after[model] - before[model]}
        self.objects[name] = built
        return built

    def _by_model(self, names) -> dict:
        merged: dict = {}
        for name in names:
            for model, ids in self.rows[name].items():
                merged.setdefault(model, set()).update(ids)
        return merged

    def freeze(self) -> None:
        """Move every recorded row into a side table; the real tables are as they were before the builds."""
        merged = self._by_model(self.rows)
        with transaction.atomic(), connection.cursor() as cursor:
            for model, ids in merged.items():
                table, side = model._meta.db_table, SIDE_PREFIX + model._meta.db_table
                cursor.execute(f"DROP TABLE IF EXISTS {_q(side)}")
                cursor.execute(f"CREATE TABLE {_q(side)} AS SELECT {_columns(model)} FROM {_q(table)} "
                               f"WHERE {_q(model._meta.pk.column)} IN ({_id_list(ids)})")
            for model, ids in merged.items():
                cursor.execute(f"DELETE FROM {_q(model._meta.db_table)} "
                               f"WHERE {_q(model._meta.pk.column)} IN ({_id_list(ids)})")
        self.frozen = True

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for model in self._by_model(self.rows):
                cursor.execute(f"DROP TABLE IF EXISTS {_q(SIDE_PREFIX + model._meta.db_table)}")

    def copy_into_test(self, name: str, memo: dict):
        """Insert the rows of one part; a fresh copy of its object (sharing, through `memo`, the copies of objects
        it refers to with the parts copied before), or None when nothing could be inserted (rows with the same
        unique values already there)."""
        if not self.frozen:
            return None
        if name not in self._statements:
            self._statements[name] = [
                f"INSERT INTO {_q(model._meta.db_table)} ({_columns(model)}) SELECT {_columns(model)} "
                f"FROM {_q(SIDE_PREFIX + model._meta.db_table)} WHERE {_q(model._meta.pk.column)} IN ({_id_list(ids)})"
                for model, ids in self.rows[name].items()
            ]
        try:
            # Foreign keys are deferred, so the tables may come in any order; a failure undoes them all.
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in self._statements[name]:
                    cursor.execute(statement)
        except DatabaseError:
            return None
        # A test may change its objects; the next test gets the template's, untouched.
        return copy.deepcopy(self.objects[name], memo)
