"""File universe rules, continued: files with base64 content, and their descriptions.

R88 and X23 (a file belongs to a folder; its content travels base64-encoded in
``stream``; the answer's Streamid is the file's own), R89 and X38 (one Description
per file, keyed by its Streamid).  Each file also has its entry in the folder tree
(``rules/file.py``), which follows it.
"""

from __future__ import annotations

import base64
import binascii
import uuid

import sqlalchemy as sa

from scolarite.errors import ConflictError, ValidationError
from scolarite.service import CREATE, DELETE, UPDATE, Context, Service
from scolarite.store.db import utcnow
from scolarite.store.live import live, row_state

from .file import check_free, check_name, delete_files, next_entry_id, parent_folder, renamed_parent, stamps, tree_of


def register(service: Service) -> None:
    service.before(CREATE, "File", create_file)
    service.before(UPDATE, "File", update_file)
    service.after(UPDATE, "File", update_entry)
    service.after(DELETE, "File", delete_entry)
    service.before(CREATE, "Description", describe)
    service.before(UPDATE, "Description", keep_description_dates)


def _decode(text: str) -> bytes:
    """The content a ``stream`` carries, base64 (R88); missing padding is tolerated."""
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


# -- File -----------------------------------------------------------------------------------


async def create_file(ctx: Context) -> None:
    """R88/X23: ``POST /File`` stores a base64 file in the folder Streamid names; the file's Streamid is its own."""
    folder = await parent_folder(ctx, "the folder that receives the file")
    name = ctx.data["Name"]
    check_name(name)
    content = _decode(ctx.data["stream"])
    await check_free(ctx, folder, name)
    now = utcnow()
    key = str(uuid.uuid4())
    ctx.data.update(stamps(now, now, False, await next_entry_id(ctx.conn, ctx.db)), Streamid=key, Size=len(content))
    Directory, File = ctx.schema.entity("Directory"), ctx.entity
    entry = {n: ctx.data[n] for n in Directory.properties if n in File.properties and n != "Streamid"}
    entry.update(Path=None, stream="", _parent_id=folder["Streamid"])  # listed without path nor content
    await ctx.db.insert(ctx.conn, Directory, entry, key=key)


async def update_file(ctx: Context) -> None:
    """R88: a file's update checks its name (free in its folder) and content; times and Id are the server's."""
    previous = ctx.stored
    name = ctx.data["Name"]
    check_name(name)
    content = _decode(ctx.data["stream"])
    if name != previous["Name"]:
        await renamed_parent(ctx, name)
    ctx.data.update(stamps(previous["Creation_time"], utcnow(), False, previous["Id"]), Size=len(content))


async def update_entry(ctx: Context) -> None:
    """R87/R88: a file's entry in its folder follows the file's changes."""
    tree = tree_of(ctx.db)
    changed = {n: ctx.data[n] for n in ("Name", "Update_time", "Last_access_time", "File_extension", "Size")}
    await ctx.conn.execute(sa.update(tree).where(tree.c.Streamid == ctx.key, live(tree)).values(changed))


async def delete_entry(ctx: Context) -> None:
    """R88/R89: deleting a file deletes its entry in its folder and its Description."""
    await delete_files(ctx.conn, ctx.db, [ctx.key])


# -- Description ----------------------------------------------------------------------------


async def describe(ctx: Context) -> None:
    """R89/X38: a Description describes one existing file, once; DateValidation defaults to its creation."""
    key = ctx.data.get("Streamid")
    if not key:
        raise ValidationError("Streamid is required: the Streamid of the file described", target="Streamid")
    if await ctx.fetch("File", key) is None:
        raise ValidationError(f"Streamid {key} is not an existing file (no File has this Streamid)", target="Streamid")
    descriptions = ctx.table("Description")
    state = await row_state(ctx.conn, descriptions, descriptions.c.Streamid == key)
    if state == "live":
        raise ConflictError(
            f"File {key} already has a Description: change it with PATCH /Description/{key}", target="Streamid"
        )
    if state == "deleted":  # a description deleted with its convention's documents while the file stayed
        await ctx.conn.execute(sa.delete(descriptions).where(descriptions.c.Streamid == key))
    now = utcnow()
    ctx.data["DateCreation"] = now
    if ctx.data.get("DateValidation") is None:
        ctx.data["DateValidation"] = now


async def keep_description_dates(ctx: Context) -> None:
    """R89/X38: an update keeps DateCreation, and DateValidation when it sends none."""
    ctx.data["DateCreation"] = ctx.stored["DateCreation"]
    if ctx.data.get("DateValidation") is None:
        ctx.data["DateValidation"] = ctx.stored["DateValidation"]
