"""unique live rows: what the spec says exists once

The database now enforces, among live rows (partial unique indexes, as for the
convention's entreprise in 0002):

* one InscriptionPeriode per (InscriptionId, PeriodeId) (R30) and one
  ClientPourAffaire per (AffaireId, ClientId), one ConventionOrganismeFinanceur per
  (ConventionId, OrganismeFinanceurId): concurrent requests on PostgreSQL could
  create copies;
* the generated codes: Apprenant.Code (R18), Affaire.Code (R46), Convention.Code
  (R50), Candidat.Numero (R91): a full update could give one record another's code;
* User.Login (R80), ReferenceExterne.IdObjet (R82), AutreLieuFormation.Code (R100).

An existing database may already hold duplicates.  They are resolved first, the
oldest row (lowest Id) keeping its place: a newer copy of a link or of an external
reference is deleted (soft delete, like DELETE); a newer record sharing a code or a
login gets it suffixed with its own Id (``A00001-2253470``), so that nothing is lost
and the records to look at are easy to find.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 23:40:00
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# (table, columns, what a newer duplicate becomes, empty value of the columns)
UNIQUE = [
    ("InscriptionPeriode", ("InscriptionId", "PeriodeId"), "deleted", 0),
    ("ClientPourAffaire", ("AffaireId", "ClientId"), "deleted", 0),
    ("ConventionOrganismeFinanceur", ("ConventionId", "OrganismeFinanceurId"), "deleted", 0),
    ("ReferenceExterne", ("IdObjet",), "deleted", 0),
    ("Apprenant", ("Code",), "suffixed", ""),
    ("Affaire", ("Code",), "suffixed", ""),
    ("Convention", ("Code",), "suffixed", ""),
    ("Candidat", ("Numero",), "suffixed", ""),
    ("User", ("Login",), "suffixed", ""),
    ("AutreLieuFormation", ("Code",), "suffixed", ""),
]


def _name(table: str, columns: tuple[str, ...]) -> str:
    """As ``store.tables.unique_index_name`` names it (PostgreSQL keeps 63 characters of a name)."""
    name = f"uq_{table}_{'_'.join(columns)}"
    return name if len(name) <= 63 else f"{name[:54]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _where(columns: tuple[str, ...], empty) -> str:
    shown = "''" if empty == "" else "0"
    return " AND ".join([f'"{c}" != {shown}' for c in columns] + ["_deleted = false"])


def upgrade() -> None:
    conn = op.get_bind()
    for name, columns, fate, empty in UNIQUE:
        text_type = sa.String() if empty == "" else sa.BigInteger()
        table = sa.table(name, sa.column("Id", sa.BigInteger()), sa.column("_deleted", sa.Boolean()),
                         *[sa.column(c, text_type) for c in columns])
        older = table.alias("older")
        duplicate = sa.exists().where(older.c._deleted == sa.false(), older.c.Id < table.c.Id,
                                      *[older.c[c] == table.c[c] for c in columns])
        live = [table.c._deleted == sa.false(), *[table.c[c] != empty for c in columns], duplicate]
        if fate == "deleted":
            conn.execute(sa.update(table).where(*live).values(_deleted=True))
        else:
            column = columns[0]
            conn.execute(sa.update(table).where(*live).values(
                {column: table.c[column] + "-" + sa.cast(table.c.Id, sa.String())}))
        where = sa.text(_where(columns, empty))
        op.create_index(_name(name, columns), name, list(columns), unique=True, sqlite_where=where,
                        postgresql_where=where)


def downgrade() -> None:
    for name, columns, _, _ in UNIQUE:
        op.drop_index(_name(name, columns), table_name=name)
