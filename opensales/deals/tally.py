"""Board totals kept as data: `StageTally` rows per (owner, stage), maintained by triggers.

The triggers are the only writers (besides `rebuild`): SQLite and PostgreSQL run them inside the
statement that changes a deal, so the tally commits and rolls back with it. A deal counts while
`deleted_at` is NULL; amounts are kept as integer cents (exact on SQLite, whose decimals are floats).

`board_totals` answers an unfiltered board from the tally: the rows of the owners in the reader's
scope, plus a live aggregate over what the scope adds beyond whole owners (deals shared with the
reader). Under a filter the board adds up the matching deals as before (deals/selectors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Sum

from opensales.core.actions import Action
from opensales.core.scope import owner_split

TABLE = "deals_stagetally"
CENT = Decimal("0.01")
CENTS = "CAST(ROUND({row}.amount * 100) AS BIGINT)"

_ADD = f"""INSERT INTO {TABLE} (owner_id, stage_id, deals, amount_cents, weighted_cents_percent)
    SELECT NEW.owner_id, NEW.stage_id, 1, {CENTS.format(row="NEW")}, {CENTS.format(row="NEW")} * NEW.probability
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (owner_id, stage_id) DO UPDATE SET
      deals = {TABLE}.deals + 1,
      amount_cents = {TABLE}.amount_cents + excluded.amount_cents,
      weighted_cents_percent = {TABLE}.weighted_cents_percent + excluded.weighted_cents_percent"""
_SUBTRACT = f"""UPDATE {TABLE} SET
      deals = deals - 1,
      amount_cents = amount_cents - {CENTS.format(row="OLD")},
      weighted_cents_percent = weighted_cents_percent - {CENTS.format(row="OLD")} * OLD.probability
    WHERE owner_id = OLD.owner_id AND stage_id = OLD.stage_id AND OLD.deleted_at IS NULL"""  # noqa: S608 (constants, no data in SQL text)
_DROP_EMPTY = f"DELETE FROM {TABLE} WHERE owner_id = OLD.owner_id AND stage_id = OLD.stage_id AND deals = 0"  # noqa: S608 (constants)
# Only a change of what the tally adds up fires the update trigger (a follow-up's last_follow_up_at,
# a rename or a new description do not).
_COUNTED = ("owner_id", "stage_id", "amount", "probability", "deleted_at")

SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS deals_tally_insert AFTER INSERT ON deals_opportunity BEGIN {_ADD}; END",
    f"CREATE TRIGGER IF NOT EXISTS deals_tally_delete AFTER DELETE ON deals_opportunity BEGIN {_SUBTRACT}; {_DROP_EMPTY}; END",
    f"""CREATE TRIGGER IF NOT EXISTS deals_tally_update AFTER UPDATE OF {", ".join(_COUNTED)} ON deals_opportunity
        WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _COUNTED)}
        BEGIN {_SUBTRACT}; {_DROP_EMPTY}; {_ADD}; END""",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS deals_tally_{op}" for op in ("insert", "delete", "update")]

PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION deals_stage_tally() RETURNS trigger AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN {_SUBTRACT}; {_DROP_EMPTY}; END IF;
      IF TG_OP <> 'DELETE' THEN {_ADD}; END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER deals_tally_insert_delete AFTER INSERT OR DELETE ON deals_opportunity
       FOR EACH ROW EXECUTE FUNCTION deals_stage_tally()""",
    f"""CREATE OR REPLACE TRIGGER deals_tally_update AFTER UPDATE OF {", ".join(_COUNTED)} ON deals_opportunity
       FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _COUNTED)})
       EXECUTE FUNCTION deals_stage_tally()""",
]
PG_REMOVE = [
    "DROP TRIGGER IF EXISTS deals_tally_insert_delete ON deals_opportunity",
    "DROP TRIGGER IF EXISTS deals_tally_update ON deals_opportunity",
    "DROP FUNCTION IF EXISTS deals_stage_tally()",
]

# The tally as it should be, from the deals themselves.
_FROM_DEALS = f"""SELECT owner_id, stage_id, COUNT(*), SUM({CENTS.format(row="o")}),
        SUM({CENTS.format(row="o")} * o.probability)
    FROM deals_opportunity o WHERE o.deleted_at IS NULL GROUP BY owner_id, stage_id"""  # noqa: S608 (constants)
REBUILD = [
    f"DELETE FROM {TABLE}",  # noqa: S608 (constants)
    f"INSERT INTO {TABLE} (owner_id, stage_id, deals, amount_cents, weighted_cents_percent) {_FROM_DEALS}",  # noqa: S608
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def install(schema_editor: Any) -> None:
    """The triggers, then the tally of the deals already there (in the migration's transaction)."""
    _run(schema_editor, {"sqlite": SQLITE_INSTALL, "postgresql": PG_INSTALL})
    _run(schema_editor, {"sqlite": REBUILD, "postgresql": REBUILD})


def remove(schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_REMOVE, "postgresql": PG_REMOVE})


TRIGGERS = {
    "sqlite": ("deals_tally_insert", "deals_tally_delete", "deals_tally_update"),
    "postgresql": ("deals_tally_insert_delete", "deals_tally_update"),
}


def _installed(cursor: Any, vendor: str) -> set[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'deals_opportunity'"
        )
    else:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'deals_opportunity'::regclass AND NOT tgisinternal"
        )
    return {row[0] for row in cursor.fetchall()}


def ensure_installed(using: Any = connection) -> bool:
    """Put back missing triggers and recount the tally; True when something was missing. Run after every
    `migrate` (post_migrate): SQLite drops a table's triggers when a migration rebuilds the table (most
    column changes), and a tally without its triggers would drift silently."""
    vendor = using.vendor
    if vendor not in TRIGGERS:
        return False
    if TABLE not in using.introspection.table_names():  # migrated to a point before the table
        return False
    with using.cursor() as cursor:
        if set(TRIGGERS[vendor]) <= _installed(cursor, vendor):
            return False
        for statement in {"sqlite": SQLITE_INSTALL, "postgresql": PG_INSTALL}[vendor] + REBUILD:
            cursor.execute(statement)
    return True


def rebuild() -> None:
    """Recount the tally from the deals (`manage.py deals_tally --rebuild`)."""
    with connection.cursor() as cursor:
        for statement in REBUILD:
            cursor.execute(statement)


def differences() -> int:
    """How many (owner, stage) rows of the tally differ from the deals (`manage.py deals_tally --check`)."""
    from .models import StageTally

    with connection.cursor() as cursor:
        cursor.execute(_FROM_DEALS)
        expected = {(row[0], row[1]): tuple(row[2:]) for row in cursor.fetchall()}
    actual = {
        (t.owner_id, t.stage_id): (t.deals, t.amount_cents, t.weighted_cents_percent)
        for t in StageTally.objects.all()
    }
    return sum(1 for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key))


@dataclass
class StageTotal:
    deals: int = 0
    amount: Decimal = Decimal("0")
    weighted: Decimal = Decimal("0")


def board_totals(user: Any, stage_ids: list[int]) -> dict[int, StageTotal] | None:
    """Totals per stage of the deals `user` may see in `stage_ids`, from the tally; None when the
    reader's scope is not "whole owners plus some records" (the caller adds up the deals instead)."""
    from .models import Opportunity, StageTally

    split = owner_split(user, Opportunity, Action.VIEW)
    if split is None:
        return None
    owners, rest = split
    tallies = StageTally.objects.filter(stage_id__in=stage_ids)
    if owners is not None:
        tallies = tallies.filter(owner_id__in=owners)
    # Added up exactly (integer cents, then the live rest in cents × percent), rounded once at the end.
    sums: dict[int, list[Any]] = {}
    for row in tallies.values("stage_id").annotate(
        n=Sum("deals"), a=Sum("amount_cents"), w=Sum("weighted_cents_percent")
    ):
        sums[row["stage_id"]] = [row["n"], Decimal(row["a"]), Decimal(row["w"])]
    if rest is not None:  # the deals beyond whole owners (shared with the reader): few, added up live
        from .selectors import models_weighted

        beyond = Opportunity.objects.visible_to(user, Action.VIEW).filter(rest, stage__in=stage_ids)
        if owners is not None:
            beyond = beyond.exclude(owner_id__in=owners)
        rows = (
            beyond.order_by()
            .values("stage")
            .annotate(n=Count("pk"), a=Sum("amount"), w=Sum(models_weighted()))
        )
        for row in rows:
            n, a, w = sums.setdefault(row["stage"], [0, Decimal(0), Decimal(0)])
            sums[row["stage"]] = [n + row["n"], a + (row["a"] or 0) * 100, w + (row["w"] or 0) * 100]
    return {
        stage: StageTotal(n, a.scaleb(-2).quantize(CENT), w.scaleb(-4).quantize(CENT))
        for stage, (n, a, w) in sums.items()
    }
