"""Files: directories, files and their descriptions."""

from typing import ClassVar

from scolarite.schema import INDEXED_MAX_LENGTH, Boolean, DateTimeOffset, Entity, Guid, Int32, Int64, String

from ._types import text


class Directory(Entity):
    """Dossier de l'arborescence de fichiers. Rules: R84, R85, R86, R87, R90, R54.

    The table is the whole tree, like the original FileTable: one row per folder
    and one entry per file (``Isdirectory`` false, same ``Streamid`` as the File
    row that holds its content), each with its parent folder in ``_parent_id``.
    On creation the body's ``Streamid`` is the parent folder (rules/file.py).
    """

    __legacy__ = "file.T_DIRECTORY"
    __client_key__ = True
    __internal__: ClassVar = {"_parent_id": Guid(index=True)}
    Streamid = Guid(key=True, required=True)
    Name = String(required=True)
    Creation_time = DateTimeOffset(utc=True, nullable=False)
    Update_time = DateTimeOffset(utc=True)
    Delete_time = DateTimeOffset(utc=True)
    Last_access_time = DateTimeOffset(utc=True)
    Isdirectory = Boolean()
    File_extension = String()
    Path = String(nullable=True, index=True, max_length=INDEXED_MAX_LENGTH)
    Size = Int64()
    stream = String(max_length=None)
    Id = Int64()


class File(Entity):
    """Fichier. Rules: R88, R90.

    On creation the body's ``Streamid`` is the folder receiving the file (X23); the
    file's place in the tree is its entry in Directory (rules/file.py).
    """

    __legacy__ = "file.T_FILE"
    __client_key__ = True
    Streamid = Guid(key=True, required=True)
    Name = String(required=True)
    Creation_time = DateTimeOffset(utc=True, nullable=False)
    Update_time = DateTimeOffset(utc=True, nullable=False)
    Delete_time = DateTimeOffset(utc=True)
    Last_access_time = DateTimeOffset(utc=True, nullable=False)
    Isdirectory = Boolean()
    File_extension = String(required=True)
    Size = Int64()
    stream = String(required=True, max_length=None)
    Id = Int64()


class Description(Entity):
    """Description de fichier. Rules: R89, R90.  Keyed by the described file's Streamid (X38)."""

    __legacy__ = "file.T_DESCRIPTION"
    __client_key__ = True
    Streamid = Guid(key=True, required=True)
    DateCreation = DateTimeOffset(nullable=False)
    DateValidation = DateTimeOffset(nullable=False)
    Contexte = text(required=True)
    Regroupement = String(required=True)
    DossierTemp = text()
    DossierCible = text(required=True)
    Statut = Int32()
    Valideur = String()


ENTITIES = [Directory, File, Description]
