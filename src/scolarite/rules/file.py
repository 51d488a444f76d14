"""File universe rules: the folder tree, files with base64 content, descriptions.

R84–R90 and X23–X26, X38.  The ``Directory`` table is the whole tree, like the
original FileTable: one row per folder and one entry per file (``Isdirectory``
false, same ``Streamid`` as the ``File`` row holding the content), each with its
parent folder's Streamid in the internal column ``_parent_id``.  So listing a
folder (``GET /Directory/{Streamid}``) is one read of one table, and files show
``stream: ""`` there, as documented.

* ``GET /Directory?$filter=path eq instance\\CS00000573`` finds a folder by its full
  path (case-insensitive, ``\\`` or ``/``, quoted or not); without a path filter the
  list is empty (R84).
* ``POST /Directory {"Name", "Streamid": parent}`` creates a sub-folder and answers
  its GUID as an ``Edm.Guid`` value (R86).
* ``POST /File {"Streamid": folder, "Name", "File_extension", "stream"}`` stores a
  file; the answer's Streamid is the file's own (X23).
* ``POST /Description {"Streamid": file, …}`` describes a file (R89, X38).

``delete_folder_documents`` is what the convention workflow calls to delete a
convention's documents (R54, X6).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scolarite.errors import ConflictError, NotFoundError, ValidationError
from scolarite.service import CREATE, DELETE, UPDATE, Context, Listing, ReadContext, Service, Value
from scolarite.store.db import Database, utcnow

DEFAULT_SHARE = "instance"
SEPARATOR = "\\"
_SEPARATORS = re.compile(r"[\\/]+")
# The whole $filter is "path eq <literal>": lower-case (any case) property, literal
# quoted or not, with backslashes (X26).  Anything else goes to the $filter machinery.
_PATH_FILTER = re.compile(r"^\s*path\s+eq\s+(?P<value>.*?)\s*$", re.IGNORECASE | re.DOTALL)


# -- paths ---------------------------------------------------------------------------------


def normalize_path(text: str) -> str:
    r"""``\\instance\CS1\``, ``instance/CS1`` → ``instance\CS1`` (the stored form)."""
    return SEPARATOR.join(part for part in _SEPARATORS.split(text.strip()) if part.strip())


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].replace(text[0] * 2, text[0])
    return text


def _folded(db: Database, expr: Any) -> Any:
    """Case-folded for comparison: Unicode-aware on both databases (see odata/filter.py)."""
    if db.dialect == "postgresql":
        expr = sa.collate(expr, "und-x-icu")
    return sa.func.lower(expr)


def _same_text(db: Database, column: Any, value: str) -> Any:
    return _folded(db, column) == _folded(db, sa.literal(value, sa.Text()))


def _check_name(name: str) -> None:
    if _SEPARATORS.search(name):
        raise ValidationError(f"Name {name!r} may not contain \\ or /: it names one entry of its folder", target="Name")
    if name.strip() in (".", ".."):
        raise ValidationError(f"Name {name!r} is not a valid file or folder name", target="Name")


def _decode(text: str) -> bytes:
    compact = "".join(text.split())
    if len(compact) % 4:
        compact += "=" * (-len(compact) % 4)  # tolerate missing padding
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            "stream is not valid base64: send the file's content encoded in base64 "
            "(RFC 4648, alphabet A-Z a-z 0-9 + /, = padding)",
            target="stream",
        ) from None


# -- queries shared by the handlers and the workflow functions ----------------------------


def _tree(db: Database) -> sa.Table:
    return db.tables["Directory"]


async def find_folder(conn: AsyncConnection, db: Database, path: str) -> dict | None:
    """The live folder with this full path (case-insensitive), or None."""
    tree = _tree(db)
    path = normalize_path(path)
    if not path:
        return None
    row = (
        (
            await conn.execute(
                sa.select(tree.c.Streamid, tree.c.Path)
                .where(
                    _same_text(db, tree.c.Path, path), tree.c.Isdirectory == sa.true(), tree.c._deleted == sa.false()
                )
                .order_by(tree.c.Id, tree.c.Streamid)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def _folder(conn: AsyncConnection, db: Database, streamid: Any, lock: bool = False) -> dict | None:
    row = await db.fetch(conn, db.schema.entity("Directory"), streamid, lock=lock)
    return row if row is not None and row["Isdirectory"] else None


def _path_of(folder: dict) -> str:
    return folder["Path"] or folder["Name"]


async def _parent_of(conn: AsyncConnection, db: Database, streamid: Any) -> Any:
    tree = _tree(db)
    return (await conn.execute(sa.select(tree.c._parent_id).where(tree.c.Streamid == streamid))).scalar()


async def _name_taken(conn: AsyncConnection, db: Database, parent: Any, name: str, exclude: Any = None) -> bool:
    tree = _tree(db)
    stmt = sa.select(tree.c.Streamid).where(
        tree.c._parent_id == parent, tree.c._deleted == sa.false(), _same_text(db, tree.c.Name, name)
    )
    if exclude is not None:
        stmt = stmt.where(tree.c.Streamid != exclude)
    return (await conn.execute(stmt.limit(1))).first() is not None


async def _subtree(conn: AsyncConnection, db: Database, folder: Any) -> tuple[list[str], list[str]]:
    """The live (folders, files) below ``folder``, at any depth."""
    tree = _tree(db)
    folders: list[str] = []
    files: list[str] = []
    seen = {folder}
    frontier = [folder]
    while frontier:
        rows = (
            await conn.execute(
                sa.select(tree.c.Streamid, tree.c.Isdirectory).where(
                    tree.c._parent_id.in_(frontier), tree.c._deleted == sa.false()
                )
            )
        ).all()
        frontier = [r[0] for r in rows if r[1] and r[0] not in seen]
        seen.update(frontier)
        folders.extend(frontier)
        files.extend(r[0] for r in rows if not r[1])
    return folders, files


async def _next_id(conn: AsyncConnection, db: Database) -> int:
    """The FileTable's integer Id of a new entry (a counter; ids already used are skipped)."""
    tree = _tree(db)
    while True:
        n = await db.next_counter(conn, "Directory.Id")
        if (await conn.execute(sa.select(tree.c.Streamid).where(tree.c.Id == n).limit(1))).first() is None:
            return n


async def _soft_delete(conn: AsyncConnection, table: sa.Table, keys: list[Any]) -> int:
    if not keys:
        return 0
    result = await conn.execute(
        sa.update(table).where(table.c.Streamid.in_(keys), table.c._deleted == sa.false()).values(_deleted=True)
    )
    return result.rowcount


async def _delete_files(conn: AsyncConnection, db: Database, files: list[Any]) -> int:
    """Soft-delete files: their content, their tree entry and their Description."""
    n = await _soft_delete(conn, db.tables["File"], files)
    await _soft_delete(conn, _tree(db), files)
    await _soft_delete(conn, db.tables["Description"], files)
    return n


# -- what other rules call -----------------------------------------------------------------


async def share_name(conn: AsyncConnection, service: Service) -> str:
    """``Instance.FileSystemShareName``: the root of every path (R85, X25)."""
    table = service.db.tables["Instance"]
    name = (
        await conn.execute(
            sa.select(table.c.FileSystemShareName).where(table.c._deleted == sa.false()).order_by(table.c.Id).limit(1)
        )
    ).scalar()
    return name or DEFAULT_SHARE


async def delete_folder_documents(conn: AsyncConnection, service: Service, folder_path: str, contexte: str) -> int:
    """Soft-delete every file below the folder ``folder_path`` (sub-folders too; the
    folders stay) and the Descriptions of those files and those whose ``Contexte`` is
    ``contexte``.  Returns the number of files deleted; a missing folder deletes no file."""
    db = service.db
    count = 0
    folder = await find_folder(conn, db, folder_path)
    if folder is not None:
        _, files = await _subtree(conn, db, folder["Streamid"])
        count = await _delete_files(conn, db, files)
    if contexte:
        desc = db.tables["Description"]
        await conn.execute(
            sa.update(desc).where(desc.c.Contexte == contexte, desc.c._deleted == sa.false()).values(_deleted=True)
        )
    return count


# -- handlers ------------------------------------------------------------------------------


def register(service: Service) -> None:
    schema, db = service.schema, service.db
    Directory = schema.entity("Directory")
    File = schema.entity("File")
    tree = _tree(db)
    descriptions = db.tables["Description"]

    async def parent_folder(ctx: Context, role: str) -> dict:
        parent = ctx.data.get("Streamid")
        if not parent:
            raise ValidationError(f"Streamid is required: the Streamid of {role}", target="Streamid")
        # Locked on PostgreSQL: creations in one folder queue, so the name check holds.
        folder = await _folder(ctx.conn, db, parent, lock=True)
        if folder is None:
            raise ValidationError(f"Streamid {parent} is not an existing folder (it must be {role})", target="Streamid")
        return folder

    async def check_free(ctx: Context, parent: dict, name: str, exclude: Any = None) -> None:
        if await _name_taken(ctx.conn, db, parent["Streamid"], name, exclude):
            raise ConflictError(f"the folder {_path_of(parent)} already holds an entry named {name!r}", target="Name")

    # -- Directory ------------------------------------------------------------------------

    @service.on_read("Directory")
    async def folder_by_path(ctx: ReadContext) -> None:
        m = _PATH_FILTER.match(ctx.filter_text or "")
        if m is None:
            ctx.where.append(sa.false())  # R84: no path, no folder (any other $filter is still checked)
            return
        ctx.take_filter = True
        path = normalize_path(_unquote(m.group("value")))
        ctx.where.extend([_same_text(db, tree.c.Path, path), tree.c.Isdirectory == sa.true()])

    @service.on_read_entity("Directory")
    async def folder_children(ctx: ReadContext) -> Listing:
        if await _folder(ctx.conn, db, ctx.key) is None:
            raise NotFoundError(f"Directory {ctx.key} is not an existing folder", target="Streamid")
        return Listing("Directory", [tree.c._parent_id == ctx.key])  # R87

    service.create_answers["Directory"] = lambda key: Value("Edm.Guid", key)  # R86

    @service.before(CREATE, "Directory")
    async def create_folder(ctx: Context) -> None:
        parent = await parent_folder(ctx, "the parent folder (the root folder's for a top-level folder)")
        name = ctx.data["Name"]
        _check_name(name)
        await check_free(ctx, parent, name)
        now = utcnow()
        ctx.data.update(
            Streamid=str(uuid.uuid4()),
            Creation_time=now,
            Update_time=now,
            Delete_time=None,
            Last_access_time=now,
            Isdirectory=True,
            File_extension="",
            Path=_path_of(parent) + SEPARATOR + name,
            Size=0,
            stream="",
            Id=await _next_id(ctx.conn, db),
            _parent_id=parent["Streamid"],
        )

    @service.before(UPDATE, "Directory")
    async def update_folder(ctx: Context) -> None:
        previous = ctx.previous
        if not previous["Isdirectory"]:
            raise ValidationError(
                f"Directory {ctx.key} is a file: change it through /File/{ctx.key}", target="Streamid"
            )
        name = ctx.data["Name"]
        _check_name(name)
        path = previous["Path"]
        if name != previous["Name"]:
            parent_id = await _parent_of(ctx.conn, db, ctx.key)
            parent = await _folder(ctx.conn, db, parent_id, lock=True) if parent_id else None
            if parent is not None:
                await check_free(ctx, parent, name, exclude=ctx.key)
                path = _path_of(parent) + SEPARATOR + name
            else:
                path = name
        now = utcnow()
        ctx.data.update(
            Creation_time=previous["Creation_time"],
            Update_time=now,
            Delete_time=None,
            Last_access_time=now,
            Isdirectory=True,
            File_extension="",
            Path=path,
            Size=0,
            stream="",
            Id=previous["Id"],
        )

    @service.after(UPDATE, "Directory")
    async def rename_below(ctx: Context) -> None:
        old, new = _path_of(ctx.previous), ctx.data["Path"]
        if old == new:
            return
        folders, _ = await _subtree(ctx.conn, db, ctx.key)
        if not folders:
            return
        rows = (
            await ctx.conn.execute(sa.select(tree.c.Streamid, tree.c.Path).where(tree.c.Streamid.in_(folders)))
        ).all()
        for streamid, path in rows:
            if path and path.startswith(old + SEPARATOR):
                await ctx.conn.execute(
                    sa.update(tree).where(tree.c.Streamid == streamid).values(Path=new + path[len(old) :])
                )

    @service.before(DELETE, "Directory")
    async def keep_root(ctx: Context) -> None:
        if ctx.previous["Isdirectory"] and await _parent_of(ctx.conn, db, ctx.key) is None:
            raise ConflictError(
                f"Directory {ctx.key} is the root folder of the share: it cannot be deleted", target="Streamid"
            )

    @service.after(DELETE, "Directory")
    async def delete_below(ctx: Context) -> None:
        if not ctx.previous["Isdirectory"]:
            await _delete_files(ctx.conn, db, [ctx.key])
            return
        folders, files = await _subtree(ctx.conn, db, ctx.key)
        await _delete_files(ctx.conn, db, files)
        await _soft_delete(ctx.conn, tree, folders)

    # -- File -----------------------------------------------------------------------------

    @service.before(CREATE, "File")
    async def create_file(ctx: Context) -> None:
        folder = await parent_folder(ctx, "the folder that receives the file")
        name = ctx.data["Name"]
        _check_name(name)
        content = _decode(ctx.data["stream"])
        await check_free(ctx, folder, name)
        now = utcnow()
        key = str(uuid.uuid4())
        ctx.data.update(
            Streamid=key,
            Creation_time=now,
            Update_time=now,
            Delete_time=None,
            Last_access_time=now,
            Isdirectory=False,
            Size=len(content),
            Id=await _next_id(ctx.conn, db),
        )
        entry = {n: ctx.data[n] for n in Directory.properties if n in File.properties and n != "Streamid"}
        entry.update(Path=None, stream="", _parent_id=folder["Streamid"])  # listed without path nor content
        await db.insert(ctx.conn, Directory, entry, key=key)

    @service.before(UPDATE, "File")
    async def update_file(ctx: Context) -> None:
        previous = ctx.previous
        name = ctx.data["Name"]
        _check_name(name)
        content = _decode(ctx.data["stream"])
        if name != previous["Name"]:
            parent_id = await _parent_of(ctx.conn, db, ctx.key)
            parent = await _folder(ctx.conn, db, parent_id, lock=True) if parent_id else None
            if parent is not None:
                await check_free(ctx, parent, name, exclude=ctx.key)
        now = utcnow()
        ctx.data.update(
            Creation_time=previous["Creation_time"],
            Update_time=now,
            Delete_time=None,
            Last_access_time=now,
            Isdirectory=False,
            Size=len(content),
            Id=previous["Id"],
        )

    @service.after(UPDATE, "File")
    async def update_entry(ctx: Context) -> None:
        await ctx.conn.execute(
            sa.update(tree)
            .where(tree.c.Streamid == ctx.key, tree.c._deleted == sa.false())
            .values({n: ctx.data[n] for n in ("Name", "Update_time", "Last_access_time", "File_extension", "Size")})
        )

    @service.after(DELETE, "File")
    async def delete_entry(ctx: Context) -> None:
        await _delete_files(ctx.conn, db, [ctx.key])

    # -- Description ----------------------------------------------------------------------

    @service.before(CREATE, "Description")
    async def describe(ctx: Context) -> None:
        key = ctx.data.get("Streamid")
        if not key:
            raise ValidationError("Streamid is required: the Streamid of the file described", target="Streamid")
        if await db.fetch(ctx.conn, File, key) is None:
            raise ValidationError(
                f"Streamid {key} is not an existing file (no File has this Streamid)", target="Streamid"
            )
        deleted = (
            await ctx.conn.execute(sa.select(descriptions.c._deleted).where(descriptions.c.Streamid == key))
        ).scalar()
        if deleted is not None and not deleted:
            raise ConflictError(
                f"File {key} already has a Description: change it with PATCH /Description/{key}", target="Streamid"
            )
        if deleted:  # a description deleted with its convention's documents while the file stayed
            await ctx.conn.execute(sa.delete(descriptions).where(descriptions.c.Streamid == key))
        now = utcnow()
        ctx.data["DateCreation"] = now
        if ctx.data.get("DateValidation") is None:
            ctx.data["DateValidation"] = now  # X38

    @service.before(UPDATE, "Description")
    async def keep_description_dates(ctx: Context) -> None:
        ctx.data["DateCreation"] = ctx.previous["DateCreation"]
        if ctx.data.get("DateValidation") is None:
            ctx.data["DateValidation"] = ctx.previous["DateValidation"]
