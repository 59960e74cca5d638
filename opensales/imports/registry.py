"""Which models can be imported, and how: one `Importer` subclass per model.

An app declares its importer in its own `importers.py` (imported by this app's `ready()`):

    @register_importer
    class EmployeeImporter(Importer):
        key = "employees"                      # the API's `model` value and the URL key
        model = Employee
        key_fields = ("username",)             # how update / upsert find the existing record
        fields = [ImportField("username", _("Username"), required=True, aliases=("账号",)), ...]

        def prepare(self, rows): ...           # load every lookup once (departments, managers, keys)
        def clean(self, row): ...              # cross-field checks, lookups; returns issues
        def create(self, actor, row): ...      # through the model's services
        def update(self, actor, obj, row): ...

The engine (engine.py) reads the file, maps the columns, calls `prepare` once with every row, then
`parse_<field>` / the field's parser and `clean` per row, and writes in one transaction. Importers
never query per row: `prepare` loads what `clean` needs in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise

from opensales.core.actions import Action
from opensales.core.scope import has_action

if TYPE_CHECKING:
    from django.db.models import Model


class Mode:
    CREATE = "create"
    UPDATE = "update"
    UPSERT = "upsert"
    ALL = (CREATE, UPDATE, UPSERT)


@dataclass(frozen=True)
class ImportField:
    """One column an importer understands.

    `label` is a lazy translation: its Chinese and English forms, the `name` and the `aliases` all
    match a file's header (normalized, see matching.py), whatever the language of the page.
    `parser` turns the trimmed text of a cell into a value or raises ValidationError with a translated
    message; an importer method `parse_<name>(text)` takes precedence (for lookups prepared in bulk).
    Empty cells are never parsed: they are "no value" (create) or "leave unchanged" (update).
    """

    name: str
    label: str | Promise
    required: bool = False  # on create: the column must be mapped and the cell filled
    aliases: tuple[str, ...] = ()
    parser: Callable[[str], Any] | None = None
    help: str | Promise = ""  # a line of instructions for the template's second sheet
    choices: Callable[[], Iterable[tuple[str, Any]]] | None = None  # allowed values (value, label)

    def labels(self) -> list[str]:
        """The label in every language the site speaks."""
        from django.conf import settings

        out = []
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                out.append(str(self.label))
        return out


@dataclass
class RowPlan:
    """One data row on its way in: the file's text, the parsed values, what will happen to it."""

    line: int  # the row number as a spreadsheet shows it (the header is row 1)
    raw: dict[str, str]  # field name -> trimmed text (mapped columns only, empty cells included)
    values: dict[str, Any] = field(default_factory=dict)  # field name -> parsed value (filled cells)
    existing: Any = None  # the record update/upsert will change
    action: str = ""  # "create", "update", "unchanged" once planned
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # importer's own notes between clean and write

    def error(self, message: Any) -> None:
        self.errors.append(str(message))

    def key(self, key_fields: tuple[str, ...]) -> tuple[Any, ...] | None:
        values = tuple(self.values.get(name) for name in key_fields)
        return None if any(v in (None, "") for v in values) else values


def _as_is(text: str) -> str:
    return text


class Importer:
    """Subclass per model; an instance serves one run for one user."""

    key: str = ""
    model: type[Model]
    fields: list[ImportField] = []
    key_fields: tuple[str, ...] = ()
    # Rows written per progress report during the write phase.
    progress_every: int = 200
    # Bulk writes: an importer with `bulk = True` implements `create_many` / `update_many`; the engine
    # hands them the validated rows `chunk_size` at a time, each chunk in a savepoint, and falls back
    # to `create` / `update` row by row for a chunk that fails.
    bulk: bool = False
    chunk_size: int = 2000
    # Templates get the class itself (importer.key, importer.verbose_name): never instantiate it.
    do_not_call_in_templates = True

    def __init__(self, user: Any):
        self.user = user

    # --- Declarations ---------------------------------------------------------------------------

    @classmethod
    def verbose_name(cls) -> str:
        return str(cls.model._meta.verbose_name_plural)

    @classmethod
    def field_map(cls) -> dict[str, ImportField]:
        return {f.name: f for f in cls.fields}

    @classmethod
    def allowed(cls, user: Any) -> bool:
        """The IMPORT action on the model: the gate of every page and endpoint of an import."""
        return has_action(user, cls.model, Action.IMPORT)

    # --- The run --------------------------------------------------------------------------------

    def prepare(self, rows: list[RowPlan]) -> None:
        """Load, once, every lookup the rows need (keys, related records). Default: nothing."""

    def parse(self, name: str, text: str) -> Any:
        # Called once per cell: the parser of each column is looked up once per run.
        parsers = self.__dict__.setdefault("_parsers", {})
        parser = parsers.get(name)
        if parser is None:
            parser = getattr(self, f"parse_{name}", None) or self.field_map()[name].parser or _as_is
            parsers[name] = parser
        return parser(text)

    def find_existing(self, row: RowPlan) -> Any:
        """The record this row's key names, within what the user may change; None when there is none.

        Raise ValidationError when the key names a record outside the user's reach: such a row is an
        error, never a silent create of a second record."""
        return None

    def clean(self, row: RowPlan, mode: str) -> None:
        """Cross-field checks and model validation for one planned row; add to row.errors."""

    def duplicate_check(self, row: RowPlan) -> tuple[list[str], list[str]]:
        """Hook for a duplicate finder: (errors, warnings) for this row. Default: none."""
        return [], []

    def changes(self, row: RowPlan) -> dict[str, Any]:
        """The values of an update that differ from the record (empty: the row changes nothing)."""
        return dict(row.values)

    def create(self, actor: Any, row: RowPlan) -> Any:
        raise NotImplementedError

    def update(self, actor: Any, obj: Any, row: RowPlan) -> Any:
        raise NotImplementedError

    def create_many(self, actor: Any, rows: list[RowPlan]) -> list[Any]:
        """Bulk importers: create the records of these validated rows (in row order) and return them.

        Must leave exactly what `create` would: every derived column, the history entry, one audit
        event per record (`audit.services.record_many`), the search entries (`index_objects`). Raise
        (ValidationError, DatabaseError, StaleEdit) to have the engine redo the chunk row by row."""
        raise NotImplementedError

    def update_many(self, actor: Any, rows: list[RowPlan]) -> list[Any]:
        """Bulk importers: apply these validated updates (row.existing is the record as planned);
        raise StaleEdit when a record moved on since, and the engine redoes the chunk row by row."""
        raise NotImplementedError

    def display(self, name: str, value: Any) -> str:
        """A parsed value as the preview shows it."""
        if value is None:
            return ""
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)

    # --- Helpers for subclasses -----------------------------------------------------------------

    @staticmethod
    def messages(exc: ValidationError) -> list[str]:
        if hasattr(exc, "error_dict"):
            return [
                f"{k}: {m}" if k != "__all__" else str(m) for k, ms in exc.message_dict.items() for m in ms
            ]
        return [str(m) for m in exc.messages]


_importers: dict[str, type[Importer]] = {}


def register_importer(cls: type[Importer]) -> type[Importer]:
    """Declare an importer (usable as a class decorator)."""
    if not cls.key or not cls.fields:
        raise ValueError(f"{cls.__name__}: an importer needs a key and fields")
    names = [f.name for f in cls.fields]
    if len(set(names)) != len(names):
        raise ValueError(f"{cls.__name__}: field names repeat")
    if not set(cls.key_fields) <= set(names):
        raise ValueError(f"{cls.__name__}: key_fields must be fields")
    _importers[cls.key] = cls
    return cls


def importer_for(model_or_key: Any) -> type[Importer] | None:
    """The importer of a model (class, instance, "app.model" label) or of an importer key, or None."""
    if isinstance(model_or_key, str):
        if model_or_key in _importers:
            return _importers[model_or_key]
        label = model_or_key.lower()
        return next((c for c in _importers.values() if c.model._meta.label_lower == label), None)
    model = model_or_key if isinstance(model_or_key, type) else type(model_or_key)
    return next((c for c in _importers.values() if c.model is model), None)


def all_importers() -> list[type[Importer]]:
    return sorted(_importers.values(), key=lambda c: c.key)
