"""Ready-made properties several entity types declare: free text, addresses, complex values."""

from typing import Any

from scolarite.schema import (
    EMAIL_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    URL_MAX_LENGTH,
    ComplexCollection,
    ComplexValue,
    String,
    edm,
)


def text(**kw: Any) -> String:
    """Free text: comments, descriptions, configurations (``TEXT_MAX_LENGTH`` characters)."""
    return String(max_length=TEXT_MAX_LENGTH, **kw)


def email(**kw: Any) -> String:
    """An e-mail address (``EMAIL_MAX_LENGTH`` characters)."""
    return String(max_length=EMAIL_MAX_LENGTH, **kw)


def url(**kw: Any) -> String:
    """The address of a resource (``URL_MAX_LENGTH`` characters)."""
    return String(max_length=URL_MAX_LENGTH, **kw)


def parametres() -> ComplexCollection:
    """The custom fields of Programme, Dossier, EntiteJuridique, Ecole: {Id, Code, Valeur}
    (Id is always 0 in the documented bodies, R37, R96)."""
    return ComplexCollection("GraphV1.Parametre", {"Id": edm.Int64, "Code": edm.String, "Valeur": edm.String})


def parametre_codes() -> ComplexCollection:
    """The custom fields of Recrutement: {Code} only."""
    return ComplexCollection("GraphV1.ParametreCode", {"Code": edm.String})


def campus_adresse() -> ComplexValue:
    """Campus.Adresse is a value, not a reference to an Adresse entity."""
    fields = {"Voie": edm.String, "CodePostal": edm.String, "Ville": edm.String, "Pays": edm.String}
    return ComplexValue("GraphV1.CampusAdresse", fields)
