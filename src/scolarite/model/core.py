"""Core: the shared references (addresses, countries, users, programmes, legal entities…)."""

from typing import ClassVar

from scolarite.schema import Boolean, Collection, DateTimeOffset, Decimal, Entity, Enum, Int32, Int64, String, edm

from ._types import campus_adresse, email, parametres, text, url
from .abstract import Base


class Mail(Base):
    """E-mail. Rules: R12, R13, R14."""

    __legacy__ = "myapp.T_MAIL"
    Adresse = email(required=True, index=True)
    IsDuplicate = Boolean()


class Civilite(Base):
    """Civilité. Rules: R16."""

    __legacy__ = "myapp.T_CIVILITE"
    NomLong = String()
    GenreMale = Boolean()


class Adresse(Base):
    """Adresse. Rules: R15."""

    __legacy__ = "myapp.T_ADRESSE"
    Adresse1 = String()
    Adresse2 = String()
    Adresse3 = String()
    Adresse4 = String()
    CodePostal = String()
    Ville = String()
    Cedex = String()
    PaysId = Int64(ref="Pays")
    DatePeremption = DateTimeOffset()


class Telephone(Base):
    """Téléphone. Rules: R7."""

    __legacy__ = "myapp.T_TELEPHONE"
    Numero = String()
    IsMobile = Boolean()


class Pays(Base):
    """Pays."""

    __legacy__ = "myapp.T_PAYS"
    ContinentId = Int64()
    Nationalite = String()
    Prioritaire = Boolean()
    Europeen = Boolean()
    CodeSISE = String()
    CodeAlpha3 = String()


class Programme(Base):
    """Programme. Rules: R36, R37."""

    __legacy__ = "myapp.T_PROGRAMME"
    Nom = String(required=True)
    Code = String(required=True)
    EntiteJuridiqueId = Int64(required=True, ref="Campus")
    EtablissementId = Int64()
    EcoleId = Int64(required=True, ref="Ecole")
    diplomeViseEJ20Id = Int64()
    diplomeViseFA13Id = Int64()
    IntitulePrecisDiplomeCERFA = text()
    CodeDroit = String(required=True)
    CodeAnalytique = String(required=True)
    Extension = String()
    Marque = String()
    Campus = String(nullable=True)
    SC = String()
    AgeMin = Int32()
    AgeMax = Int32()
    NbAnnee = Int32()
    LibelleExterne = String()
    TemplateUserId = Int64(ref="UserTemplate")
    NiveauViseLibelleExterne = String()
    LibelleRNCP = text()
    EnqueteSISE = Boolean()
    EnqueteCTI = Boolean()
    EnqueteSISEDiplom = String()
    EnqueteSISECompos = String()
    CodeRNCP = String(nullable=True)
    Parametres = parametres()


class Campus(Entity):
    """Campus. Rules: R39."""

    __legacy__ = "myapp.T_CAMPUS"
    Id = Int64(key=True)
    Code = String()
    Nom = String()
    Adresse = campus_adresse()


class Ecole(Base):
    """Marque. Rules: R38."""

    __legacy__ = "myapp.T_ECOLE"
    CodeSysteme = String()
    LibelleExterne = String()
    CodeAnalytique = String()
    CodeDroit = String()
    Parametres = parametres()


class Periode(Base):
    """Période."""

    __legacy__ = "myapp.T_PERIODE"
    Debut = DateTimeOffset(nullable=False)
    Fin = DateTimeOffset(nullable=False)
    LibelleExterne = String()
    EnCours = Boolean()


class ReferenceExterne(Base):
    """Référence externe. Rules: R82, R83, R33."""

    __legacy__ = "myapp.T_REFERENCE_EXTERNE"
    __unique__: ClassVar = {
        "IdObjet": "object {value} already has an external reference: an object carries only one (R82)"
    }
    __unique_invalid__ = frozenset({"IdObjet"})
    DateMAJ = DateTimeOffset()
    Reference = String()
    Type = String(index=True)
    IdObjet = Int64(ref="Object", index=True)
    CRC = String()


class Object(Base):
    """Objet (métadonnées d'entité). Rules: R11, R10; not yet: R101 (issue 15)."""

    __legacy__ = "myapp.T_OBJECT"
    __readonly__ = True  # the registry of every id: written by the server only (R10, R11)
    DateCreation = DateTimeOffset(nullable=False)
    DateModification = DateTimeOffset(nullable=False)
    DateSuppression = DateTimeOffset()
    Actif = Boolean()
    Type = String()


class Instance(Entity):
    """Instance. Rules: R85."""

    __legacy__ = "myapp.T_INSTANCE"
    __single__ = True  # GET /Instance answers with the instance itself (documented)
    Id = Int64(key=True)
    Nom = String()
    FileSystemShareName = String()


class User(Base):
    """Utilisateur. Rules: R79, R80, R20; not yet: R77, R78, R81 (issue 16)."""

    __legacy__ = "myapp.T_USER"
    __unique__: ClassVar = {"Login": "the Login {value!r} is already used by another user (R80)"}
    __unique_invalid__ = frozenset({"Login"})
    Code = String(nullable=True)
    Login = String()
    Password = String(nullable=True, secret=True)
    Prenom = String()
    Mail = email()
    DateCreation = DateTimeOffset(nullable=False)
    DateModification = DateTimeOffset(nullable=False)
    DateSuppression = DateTimeOffset(nullable=False)
    ProfilUser = Int32()
    Actif = Boolean()
    TypeAuthentification = Enum("None", "Standalone", "Azure", "ActiveDirectionOnPremise", "LDAP", "CAS", default="")


class Individu(Base):
    """Individu. Rules: R18, R91; not yet: R69's Individu of a Professionnel (issue 16)."""

    __legacy__ = "myapp.T_INDIVIDU"


class Note(Base):
    """Note (texte). Rules: R98."""

    __legacy__ = "myapp.T_NOTE"
    NoteText = text(required=True)


class Commentaire(Base):
    """Commentaire. Rules: R99."""

    __legacy__ = "myapp.T_COMMENTAIRE"
    Date = DateTimeOffset(nullable=False)
    Auteur = String()
    Texte = text()
    Reference = Int64(ref="Object", index=True)


class EntiteJuridique(Base):
    """Entité juridique. Rules: R39, R18, R50."""

    __legacy__ = "myapp.TS_ENTITE_JURIDIQUE"
    Acronyme = String()
    NumeroTVAIntracommunautaire = String()
    SIRET = String()
    CodeAPE = String()
    CodeNAF = String()
    CodeMedecineTravail = String()
    CodeURSSAF = String()
    AdresseId = Int64(ref="Adresse")
    TelephoneId = Int64(ref="Telephone")
    MailId = Int64(ref="Mail")
    FaxId = Int64(ref="Telephone")
    NomDomaine = String()
    MerchantID = String()
    AlgoCodeClientId = Int64()
    AlgoCodeFactureId = Int64()
    AlgoCodeAffaireId = Int64()
    AlgoCodeApprenantId = Int64()
    AlgoCodeRecrutementId = Int64()
    AlgoCodeEnseignantId = Int64()
    AlgoCodeCompteId = Int64()
    AlgoCodeCoursId = Int64()
    AlgoRUMId = Int64()
    AlgoCodeDossierId = Int64()
    AlgoCodeConventionId = Int64()
    ISICAPIKey = text()
    NumeroActivite = String()
    NumeroUai = String()
    Parametres = parametres()
    FileSystemRoot = text()
    FileSystemSharename = String()
    NomSysteme = String()
    Comptable = Boolean()
    Pedagogique = Boolean()
    MailDefaut = email()
    SIREN = String()
    Capital = Decimal()
    FormeJuridique = String()
    IdSocieteFacturationParDefaut = Int64(ref="SocieteFacturation")
    CodeAnalytique = String()


class UserTemplate(Entity):
    """Modèle d'utilisateur. Rules: not yet: R81 (issue 16)."""

    __legacy__ = "myapp.T_USER_TEMPLATE"
    Id = Int64(key=True)
    Nom = String()
    TypeAuthentification = String()
    Profils = Collection(edm.String)
    Permissions = Collection(edm.String)
    Menus = Collection(edm.String)
    Departements = Collection(edm.Int64)
    Marques = Collection(edm.Int64)
    Campus = Collection(edm.Int64)
    SocietesFacturation = Collection(edm.Int64)
    Programmes = Collection(edm.Int64)


class Webhook(Entity):
    """Webhook. Rules: not yet: R101, R102, R103, R104 (issue 15)."""

    __legacy__ = "myapp.T_WEBHOOK"
    Id = Int64(key=True)
    Code = String()
    Nom = String()
    Actif = Boolean()
    Url = url()
    Configuration = text()
    AuthType = Int32()
    AuthClientId = String()
    AuthTokenEndpoint = url()


ENTITIES = [
    Mail,
    Civilite,
    Adresse,
    Telephone,
    Pays,
    Programme,
    Campus,
    Ecole,
    Periode,
    ReferenceExterne,
    Object,
    Instance,
    User,
    Individu,
    Note,
    Commentaire,
    EntiteJuridique,
    UserTemplate,
    Webhook,
]
