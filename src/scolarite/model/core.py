"""Core entities.

Entity declarations of the GraphV1 "core" universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
"""

from scolarite.schema import (
    EMAIL_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    URL_MAX_LENGTH,
    Boolean,
    Collection,
    ComplexCollection,
    ComplexValue,
    DateTimeOffset,
    Decimal,
    Entity,
    Enum,
    Int32,
    Int64,
    Navigation,
    String,
    edm,
)

from ._types import CAMPUS_ADRESSE, PARAMETRE


class Mail(Entity):
    """E-mail. Rules: R12, R13, R14."""

    __legacy__ = "myapp.T_MAIL"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Adresse = String(required=True, index=True, max_length=EMAIL_MAX_LENGTH)
    IsDuplicate = Boolean()


class Civilite(Entity):
    """Civilité. Rules: R16."""

    __legacy__ = "myapp.T_CIVILITE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    NomLong = String()
    GenreMale = Boolean()


class Adresse(Entity):
    """Adresse. Rules: R15."""

    __legacy__ = "myapp.T_ADRESSE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Adresse1 = String()
    Adresse2 = String()
    Adresse3 = String()
    Adresse4 = String()
    CodePostal = String()
    Ville = String()
    Cedex = String()
    PaysId = Int64(ref="Pays")
    DatePeremption = DateTimeOffset()

    Pays = Navigation("Pays", fk="PaysId")


class Telephone(Entity):
    """Téléphone. Rules: R7."""

    __legacy__ = "myapp.T_TELEPHONE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Numero = String()
    IsMobile = Boolean()


class Pays(Entity):
    """Pays."""

    __legacy__ = "myapp.T_PAYS"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ContinentId = Int64()
    Nationalite = String()
    Prioritaire = Boolean()
    Europeen = Boolean()
    CodeSISE = String()
    CodeAlpha3 = String()


class Programme(Entity):
    """Programme. Rules: R36, R37."""

    __legacy__ = "myapp.T_PROGRAMME"
    Id = Int64(key=True)
    Nom = String(required=True)
    Code = String(required=True)
    EntiteJuridiqueId = Int64(required=True, ref="Campus")
    EtablissementId = Int64()
    EcoleId = Int64(required=True, ref="Ecole")
    diplomeViseEJ20Id = Int64()
    diplomeViseFA13Id = Int64()
    IntitulePrecisDiplomeCERFA = String(max_length=TEXT_MAX_LENGTH)
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
    LibelleRNCP = String(max_length=TEXT_MAX_LENGTH)
    EnqueteSISE = Boolean()
    EnqueteCTI = Boolean()
    EnqueteSISEDiplom = String()
    EnqueteSISECompos = String()
    CodeRNCP = String(nullable=True)
    Parametres = ComplexCollection("GraphV1.Parametre", PARAMETRE)

    EntiteJuridique = Navigation("Campus", fk="EntiteJuridiqueId")
    Ecole = Navigation("Ecole", fk="EcoleId")
    TemplateUser = Navigation("UserTemplate", fk="TemplateUserId")


class Campus(Entity):
    """Campus. Rules: R39."""

    __legacy__ = "myapp.T_CAMPUS"
    Id = Int64(key=True)
    Code = String()
    Nom = String()
    Adresse = ComplexValue("GraphV1.CampusAdresse", CAMPUS_ADRESSE)


class Ecole(Entity):
    """Marque. Rules: R38."""

    __legacy__ = "myapp.T_ECOLE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    CodeSysteme = String()
    LibelleExterne = String()
    CodeAnalytique = String()
    CodeDroit = String()
    Parametres = ComplexCollection("GraphV1.Parametre", PARAMETRE)


class Periode(Entity):
    """Période."""

    __legacy__ = "myapp.T_PERIODE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Debut = DateTimeOffset(nullable=False)
    Fin = DateTimeOffset(nullable=False)
    LibelleExterne = String()
    EnCours = Boolean()


class ReferenceExterne(Entity):
    """Référence externe. Rules: R82, R83, R33."""

    __legacy__ = "myapp.T_REFERENCE_EXTERNE"
    __unique__ = {"IdObjet": "object {value} already has an external reference: an object carries only one (R82)"}
    __unique_invalid__ = frozenset({"IdObjet"})
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    DateMAJ = DateTimeOffset()
    Reference = String()
    Type = String(index=True)
    IdObjet = Int64(ref="Object", index=True)
    CRC = String()


class Object(Entity):
    """Objet (métadonnées d'entité). Rules: R11, R10, R101."""

    __legacy__ = "myapp.T_OBJECT"
    __readonly__ = True  # the registry of every id: written by the server only (R10, R11)
    Id = Int64(key=True)
    Nom = String()
    Code = String()
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


class User(Entity):
    """Utilisateur. Rules: R77, R78, R79, R80, R81, R20."""

    __legacy__ = "myapp.T_USER"
    __unique__ = {"Login": "the Login {value!r} is already used by another user (R80)"}
    __unique_invalid__ = frozenset({"Login"})
    Id = Int64(key=True)
    Nom = String()
    Code = String(nullable=True)
    Login = String()
    Password = String(nullable=True, secret=True)
    Prenom = String()
    Mail = String(max_length=EMAIL_MAX_LENGTH)
    DateCreation = DateTimeOffset(nullable=False)
    DateModification = DateTimeOffset(nullable=False)
    DateSuppression = DateTimeOffset(nullable=False)
    ProfilUser = Int32()
    Actif = Boolean()
    TypeAuthentification = Enum("None", "Standalone", "Azure", "ActiveDirectionOnPremise", "LDAP", "CAS", default="")


class Individu(Entity):
    """Individu. Rules: R18, R91, R69."""

    __legacy__ = "myapp.T_INDIVIDU"
    Id = Int64(key=True)
    Nom = String()
    Code = String()


class Note(Entity):
    """Note (texte). Rules: R98."""

    __legacy__ = "myapp.T_NOTE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    NoteText = String(required=True, max_length=TEXT_MAX_LENGTH)


class Commentaire(Entity):
    """Commentaire. Rules: R99."""

    __legacy__ = "myapp.T_COMMENTAIRE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Date = DateTimeOffset(nullable=False)
    Auteur = String()
    Texte = String(max_length=TEXT_MAX_LENGTH)
    Reference = Int64(ref="Object", index=True)


class EntiteJuridique(Entity):
    """Entité juridique. Rules: R39, R18, R50."""

    __legacy__ = "myapp.TS_ENTITE_JURIDIQUE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
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
    ISICAPIKey = String(max_length=TEXT_MAX_LENGTH)
    NumeroActivite = String()
    NumeroUai = String()
    Parametres = ComplexCollection("GraphV1.Parametre", PARAMETRE)
    FileSystemRoot = String(max_length=TEXT_MAX_LENGTH)
    FileSystemSharename = String()
    NomSysteme = String()
    Comptable = Boolean()
    Pedagogique = Boolean()
    MailDefaut = String(max_length=EMAIL_MAX_LENGTH)
    SIREN = String()
    Capital = Decimal()
    FormeJuridique = String()
    IdSocieteFacturationParDefaut = Int64(ref="SocieteFacturation")
    CodeAnalytique = String()

    Adresse = Navigation("Adresse", fk="AdresseId")
    Telephone = Navigation("Telephone", fk="TelephoneId")
    Mail = Navigation("Mail", fk="MailId")
    Fax = Navigation("Telephone", fk="FaxId")


class UserTemplate(Entity):
    """Modèle d'utilisateur. Rules: R81."""

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
    """Webhook. Rules: R104, R101, R102, R103."""

    __legacy__ = "myapp.T_WEBHOOK"
    Id = Int64(key=True)
    Code = String()
    Nom = String()
    Actif = Boolean()
    Url = String(max_length=URL_MAX_LENGTH)
    Configuration = String(max_length=TEXT_MAX_LENGTH)
    AuthType = Int32()
    AuthClientId = String()
    AuthTokenEndpoint = String(max_length=URL_MAX_LENGTH)


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
