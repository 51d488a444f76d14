"""The vocabulary every layer shares: entity declarations (``entity``), EDM types
(``edm``) and the checks a body's values get from their declaration (``values``).

It knows nothing of HTTP, SQL statements or schools: ``model/`` writes the school's
entities in it, ``store/`` derives tables from it, ``odata/`` derives the CSDL, the
URL grammar and the JSON from it.
"""

from .entity import (
    DEFAULT_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    INDEXED_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    URL_MAX_LENGTH,
    Boolean,
    Collection,
    ComplexCollection,
    ComplexValue,
    DateTimeOffset,
    Decimal,
    Double,
    Entity,
    Enum,
    Guid,
    Int32,
    Int64,
    Navigation,
    Property,
    Schema,
    String,
)

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "EMAIL_MAX_LENGTH",
    "INDEXED_MAX_LENGTH",
    "TEXT_MAX_LENGTH",
    "URL_MAX_LENGTH",
    "Boolean",
    "Collection",
    "ComplexCollection",
    "ComplexValue",
    "DateTimeOffset",
    "Decimal",
    "Double",
    "Entity",
    "Enum",
    "Guid",
    "Int32",
    "Int64",
    "Navigation",
    "Property",
    "Schema",
    "String",
]
