"""The blocks of properties several entity types share, declared once.

``Base`` is GraphV1.Base's shape (Id, Nom, Code), which most types start with;
``Personne`` is the person block of the learners, tutors, candidates, agents,
clients, teachers and professionals.  A type inherits a block's properties first,
in their order, and declares again only those it constrains further
(``Nom = String(required=True)``), which keeps their place.
"""

from scolarite.schema import Boolean, DateTimeOffset, Entity, Int64, String


class Base(Entity, abstract=True):
    Id = Int64(key=True)
    Nom = String()
    Code = String()


class Personne(Base, abstract=True):
    Login = String()
    Prenoms = String()
    NomUsage = String()
    PrenomUsage = String()
    Prenom2 = String()
    Prenom3 = String()
    NomJeuneFille = String()
    Fonction = String()
    VilleNaissance = String()
    DepartementNaissance = String()
    CodeCommuneNaissance = String()
    CiviliteId = Int64(ref="Civilite")
    AdresseId = Int64(ref="Adresse")
    MailId = Int64(ref="Mail")
    TelephoneId = Int64(ref="Telephone")
    MobileId = Int64(ref="Telephone")
    Nationalite1Id = Int64(ref="Pays")
    Nationalite2Id = Int64(ref="Pays")
    PaysNaissanceId = Int64(ref="Pays")
    DateNaissance = DateTimeOffset()
    GenreMale = Boolean()
    Handicap = Boolean()
    RefSysteme = String()
    AutoriseCRM = Boolean()
    HasChosenRGPD = Boolean()
    HasChosenMarketing = Boolean()
