"""File universe rules: the folder tree (files and their descriptions: ``rules/documents.py``).

R84–R87, R90, X25 and X26.  The ``Directory`` table is the whole tree, like the
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
  file (``rules/documents.py``) and its entry here, with the helpers below.

``delete_folder_documents`` is what the convention workflow calls to delete a
convention's documents (R54, X6).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scolarite.errors import ConflictError, NotFoundError, ValidationError
from scolarite.service import CREATE, DELETE, READ, UPDATE, Context, Listing, ReadContext, Service, Value
from scolarite.store.db import Database, utcnow
from scolarite.store.live import live, same_text, soft_delete

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


def check_name(name: str) -> None:
    """R90: a file's or folder's Name names one entry of its folder (no separator, not . nor ..)."""
    if _SEPARATORS.search(name):
        raise ValidationError(f"Name {name!r} may not contain \\ or /: it names one entry of its folder", target="Name")
    if name.strip() in (".", ".."):
        raise ValidationError(f"Name {name!r} is not a valid file or folder name", target="Name")


# -- queries shared by the handlers and the workflow functions ----------------------------


def tree_of(db: Database) -> sa.Table:
    """The ``Directory`` table: the whole tree, folders and file entries."""
    return db.tables["Directory"]


async def find_folder(conn: AsyncConnection, db: Database, path: str) -> dict[str, Any] | None:
    """The live folder with this full path (case-insensitive), or None."""
    tree = tree_of(db)
    path = normalize_path(path)
    if not path:
        return None
    stmt = (
        sa.select(tree.c.Streamid, tree.c.Path)
        .where(same_text(db, tree.c.Path, path), tree.c.Isdirectory == sa.true(), live(tree))
        .order_by(tree.c.Id, tree.c.Streamid)
        .limit(1)
    )
    row = (await conn.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def _folder(conn: AsyncConnection, db: Database, streamid: Any, lock: bool = False) -> dict[str, Any] | None:
    row = await db.fetch(conn, db.schema.entity("Directory"), streamid, lock=lock)
    return row if row is not None and row["Isdirectory"] else None


def _path_of(folder: dict[str, Any]) -> str:
    return str(folder["Path"] or folder["Name"])


async def _parent_of(conn: AsyncConnection, db: Database, streamid: Any) -> Any:
    tree = tree_of(db)
    return (await conn.execute(sa.select(tree.c._parent_id).where(tree.c.Streamid == streamid))).scalar()


async def _name_taken(conn: AsyncConnection, db: Database, parent: Any, name: str, exclude: Any = None) -> bool:
    tree = tree_of(db)
    stmt = sa.select(tree.c.Streamid).where(tree.c._parent_id == parent, live(tree), same_text(db, tree.c.Name, name))
    if exclude is not None:
        stmt = stmt.where(tree.c.Streamid != exclude)
    return (await conn.execute(stmt.limit(1))).first() is not None


async def _subtree(conn: AsyncConnection, db: Database, folder: Any) -> tuple[list[str], list[str]]:
    """The live (folders, files) below ``folder``, at any depth."""
    tree = tree_of(db)
    folders: list[str] = []
    files: list[str] = []
    seen = {folder}
    frontier = [folder]
    while frontier:
        rows = (
            await conn.execute(
                sa.select(tree.c.Streamid, tree.c.Isdirectory).where(tree.c._parent_id.in_(frontier), live(tree))
            )
        ).all()
        frontier = [r[0] for r in rows if r[1] and r[0] not in seen]
        seen.update(frontier)
        folders.extend(frontier)
        files.extend(r[0] for r in rows if not r[1])
    return folders, files


async def next_entry_id(conn: AsyncConnection, db: Database) -> int:
    """The FileTable's integer Id of a new entry (a counter; ids already used are skipped)."""
    tree = tree_of(db)
    while True:
        n = await db.next_counter(conn, "Directory.Id")
        if (await conn.execute(sa.select(tree.c.Streamid).where(tree.c.Id == n).limit(1))).first() is None:
            return n


async def _delete_entries(conn: AsyncConnection, table: sa.Table, keys: list[Any]) -> int:
    """Soft-delete the live entries of ``table`` with these Streamids."""
    return await soft_delete(conn, table, table.c.Streamid.in_(keys)) if keys else 0


async def delete_files(conn: AsyncConnection, db: Database, files: list[Any]) -> int:
    """Soft-delete files: their content, their tree entry and their Description."""
    n = await _delete_entries(conn, db.tables["File"], files)
    await _delete_entries(conn, tree_of(db), files)
    await _delete_entries(conn, db.tables["Description"], files)
    return n


# -- what other rules call -----------------------------------------------------------------


async def share_name(conn: AsyncConnection, service: Service) -> str:
    """``Instance.FileSystemShareName``: the root of every path (R85, X25)."""
    table = service.db.tables["Instance"]
    name = (
        await conn.execute(sa.select(table.c.FileSystemShareName).where(live(table)).order_by(table.c.Id).limit(1))
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
        count = await delete_files(conn, db, files)
    if contexte:
        desc = db.tables["Description"]
        await soft_delete(conn, desc, desc.c.Contexte == contexte)
    return count


# -- handlers ------------------------------------------------------------------------------


def register(service: Service) -> None:
    service.on(READ, "Directory", folder_by_path)
    service.read_answer("Directory", folder_children)
    service.create_answer("Directory", folder_guid)
    service.before(CREATE, "Directory", create_folder)
    service.before(UPDATE, "Directory", update_folder)
    service.after(UPDATE, "Directory", rename_below)
    service.before(DELETE, "Directory", keep_root)
    service.after(DELETE, "Directory", delete_below)


# -- what the Directory and File handlers share (File: rules/documents.py) ---------------


def stamps(created: Any, now: Any, directory: bool, ident: Any) -> dict[str, Any]:
    """What the server keeps on every entry of the tree: its times, its kind, its FileTable Id."""
    times = {"Creation_time": created, "Update_time": now, "Delete_time": None, "Last_access_time": now}
    return {**times, "Isdirectory": directory, "Id": ident}


# A folder has no extension, size nor content.
_FOLDER_CONTENT = {"File_extension": "", "Size": 0, "stream": ""}


async def parent_folder(ctx: Context, role: str) -> dict[str, Any]:
    """The folder the body's Streamid names (``role`` says what it must be), locked."""
    parent = ctx.data.get("Streamid")
    if not parent:
        raise ValidationError(f"Streamid is required: the Streamid of {role}", target="Streamid")
    # Locked on PostgreSQL: creations in one folder queue, so the name check holds.
    folder = await _folder(ctx.conn, ctx.db, parent, lock=True)
    if folder is None:
        raise ValidationError(f"Streamid {parent} is not an existing folder (it must be {role})", target="Streamid")
    return folder


async def check_free(ctx: Context, parent: dict[str, Any], name: str, exclude: Any = None) -> None:
    """R86: a folder holds one entry of a name (whatever its case)."""
    if await _name_taken(ctx.conn, ctx.db, parent["Streamid"], name, exclude):
        raise ConflictError(f"the folder {_path_of(parent)} already holds an entry named {name!r}", target="Name")


async def renamed_parent(ctx: Context, name: str) -> dict[str, Any] | None:
    """The parent folder of the entry ``ctx.key`` renamed to ``name`` (locked), once the name is checked free."""
    parent_id = await _parent_of(ctx.conn, ctx.db, ctx.key)
    parent = await _folder(ctx.conn, ctx.db, parent_id, lock=True) if parent_id else None
    if parent is not None:
        await check_free(ctx, parent, name, exclude=ctx.key)
    return parent


# -- Directory ------------------------------------------------------------------------------


async def folder_by_path(ctx: ReadContext) -> None:
    """R84/X26: ``GET /Directory?$filter=path eq …`` finds a folder by its full path; no path, no folder."""
    m = _PATH_FILTER.match(ctx.filter_text or "")
    tree = tree_of(ctx.db)
    if m is None:
        ctx.where.append(sa.false())  # any other $filter is still checked
        return
    ctx.take_filter = True
    path = normalize_path(_unquote(m.group("value")))
    ctx.where.extend([same_text(ctx.db, tree.c.Path, path), tree.c.Isdirectory == sa.true()])


async def folder_children(ctx: ReadContext) -> Listing:
    """R87: ``GET /Directory/{Streamid}`` lists what the folder holds."""
    if await _folder(ctx.conn, ctx.db, ctx.key) is None:
        raise NotFoundError(f"Directory {ctx.key} is not an existing folder", target="Streamid")
    return Listing("Directory", [tree_of(ctx.db).c._parent_id == ctx.key])


def folder_guid(key: Any) -> Value:
    """R86: a folder's creation is answered with its GUID, an ``Edm.Guid`` value."""
    return Value("Edm.Guid", key)


async def create_folder(ctx: Context) -> None:
    """R86/R90: ``POST /Directory {Name, Streamid}`` creates a sub-folder of the folder Streamid names."""
    parent = await parent_folder(ctx, "the parent folder (the root folder's for a top-level folder)")
    name = ctx.data["Name"]
    check_name(name)
    await check_free(ctx, parent, name)
    now = utcnow()
    ctx.data.update(Streamid=str(uuid.uuid4()), Path=_path_of(parent) + SEPARATOR + name, **_FOLDER_CONTENT)
    ctx.data.update(stamps(now, now, True, await next_entry_id(ctx.conn, ctx.db)), _parent_id=parent["Streamid"])


async def update_folder(ctx: Context) -> None:
    """R86: a folder may be renamed, its new name free in its parent; times and FileTable Id are the server's."""
    previous = ctx.stored
    if not previous["Isdirectory"]:
        raise ValidationError(f"Directory {ctx.key} is a file: change it through /File/{ctx.key}", target="Streamid")
    name = ctx.data["Name"]
    check_name(name)
    path = previous["Path"]
    if name != previous["Name"]:
        parent = await renamed_parent(ctx, name)
        path = name if parent is None else _path_of(parent) + SEPARATOR + name
    ctx.data.update(stamps(previous["Creation_time"], utcnow(), True, previous["Id"]), Path=path, **_FOLDER_CONTENT)


async def rename_below(ctx: Context) -> None:
    """R84: the paths of the folders below a renamed folder follow it."""
    old, new = _path_of(ctx.stored), ctx.data["Path"]
    if old == new:
        return
    folders, _ = await _subtree(ctx.conn, ctx.db, ctx.key)
    if not folders:
        return
    tree = tree_of(ctx.db)
    rows = (await ctx.conn.execute(sa.select(tree.c.Streamid, tree.c.Path).where(tree.c.Streamid.in_(folders)))).all()
    for streamid, path in rows:
        if path and path.startswith(old + SEPARATOR):
            await ctx.conn.execute(
                sa.update(tree).where(tree.c.Streamid == streamid).values(Path=new + path[len(old) :])
            )


async def keep_root(ctx: Context) -> None:
    """R85/X25: the root folder of the share cannot be deleted."""
    if ctx.stored["Isdirectory"] and await _parent_of(ctx.conn, ctx.db, ctx.key) is None:
        raise ConflictError(
            f"Directory {ctx.key} is the root folder of the share: it cannot be deleted", target="Streamid"
        )


async def delete_below(ctx: Context) -> None:
    """R87/R88: deleting an entry deletes what it holds: files, their Descriptions, sub-folders."""
    if not ctx.stored["Isdirectory"]:
        await delete_files(ctx.conn, ctx.db, [ctx.key])
        return
    folders, files = await _subtree(ctx.conn, ctx.db, ctx.key)
    await delete_files(ctx.conn, ctx.db, files)
    await _delete_entries(ctx.conn, tree_of(ctx.db), folders)
