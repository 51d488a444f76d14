"""Finance entities.

Entity declarations of the GraphV1 "finance" universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
"""

from scolarite.odata.schema import (
    Boolean,
    DateTimeOffset,
    Decimal,
    Entity,
    Int32,
    Int64,
    Navigation,
    String,
)



class Client(Entity):
    """Client (compte financier). Rules: R40, R41, R42, R43, R44, R61."""

    __legacy__ = "finance.T_CLIENT"
    Id = Int64(key=True)
    Nom = String(required=True)
    Code = String()
    Login = String()
    Prenoms = String(required=True)
    NomUsage = String()
    PrenomUsage = String()
    Prenom2 = String()
    Prenom3 = String()
    NomJeuneFille = String()
    Fonction = String()
    VilleNaissance = String()
    DepartementNaissance = String()
    CodeCommuneNaissance = String()
    CiviliteId = Int64(ref='Civilite')
    AdresseId = Int64(ref='Adresse')
    MailId = Int64(ref='Mail')
    TelephoneId = Int64(ref='Telephone')
    MobileId = Int64(ref='Telephone')
    Nationalite1Id = Int64(ref='Pays')
    Nationalite2Id = Int64(ref='Pays')
    PaysNaissanceId = Int64(ref='Pays')
    DateNaissance = DateTimeOffset()
    GenreMale = Boolean()
    Handicap = Boolean()
    RefSysteme = String()
    AutoriseCRM = Boolean()
    HasChosenRGPD = Boolean()
    HasChosenMarketing = Boolean()
    EntrepriseId = Int64(ref='Entreprise')
    SignataireId = Int64(nullable=True)
    Douteux = Boolean()
    EntiteJuridiqueId = Int64(required=True, ref='SocieteFacturation')
    NatureClientId = Int64(required=True, ref='NatureClient')
    ReferenceId = Int64(nullable=True, ref='Object', index=True)
    ContactId = Int64(nullable=True)
    TVAintracommunautaire = String(nullable=True)

    Civilite = Navigation("Civilite", fk="CiviliteId")
    Adresse = Navigation("Adresse", fk="AdresseId")
    Mail = Navigation("Mail", fk="MailId")
    Telephone = Navigation("Telephone", fk="TelephoneId")
    Mobile = Navigation("Telephone", fk="MobileId")
    Nationalite1 = Navigation("Pays", fk="Nationalite1Id")
    Nationalite2 = Navigation("Pays", fk="Nationalite2Id")
    PaysNaissance = Navigation("Pays", fk="PaysNaissanceId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    EntiteJuridique = Navigation("SocieteFacturation", fk="EntiteJuridiqueId")
    NatureClient = Navigation("NatureClient", fk="NatureClientId")
    Reference = Navigation("Object", fk="ReferenceId")


class ClientPourAffaire(Entity):
    """Lien client / affaire. Rules: R45."""

    __legacy__ = "finance.T_CLIENT_POUR_AFFAIRE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    AffaireId = Int64(required=True, ref='Affaire')
    ClientId = Int64(required=True, ref='Client')
    Principal = Boolean()
    Contentieux = Boolean()
    HorsReleve = Boolean()
    SituationParticuliere = Boolean()
    Solde = Decimal(nullable=True)
    TauxTVA = Decimal()
    NotePourFactureId = Int64(ref='Note')
    ApprenantId = Int64(ref='Apprenant')
    EntiteJuridiqueId = Int64(nullable=True, ref='EntiteJuridique')
    Relance = Boolean()

    Affaire = Navigation("Affaire", fk="AffaireId")
    Client = Navigation("Client", fk="ClientId")
    NotePourFacture = Navigation("Note", fk="NotePourFactureId")
    Apprenant = Navigation("Apprenant", fk="ApprenantId")
    EntiteJuridique = Navigation("EntiteJuridique", fk="EntiteJuridiqueId")


class Affaire(Entity):
    """Affaire (dossier financier). Rules: R46, R27, R45."""

    __legacy__ = "finance.T_AFFAIRE"
    Id = Int64(key=True)
    Nom = String()
    Code = String(index=True)  # new codes are checked against the taken ones (R46)
    EntiteJuridiqueId = Int64(ref='EntiteJuridique')
    Date = DateTimeOffset()
    CommentaireId = Int64(ref='Commentaire')
    Contentieux = Boolean()

    EntiteJuridique = Navigation("EntiteJuridique", fk="EntiteJuridiqueId")
    Commentaire = Navigation("Commentaire", fk="CommentaireId")


class NatureClient(Entity):
    """Nature du client."""

    __legacy__ = "finance.T_NATURE_CLIENT"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    NbJourDelaiPaiement = Int32()
    NatureId = Int64()


class SocieteFacturation(Entity):
    """Société de facturation. Rules: R39."""

    __legacy__ = "finance.T_SOCIETE_FACTURATION"
    Id = Int64(key=True)
    Code = String()
    Nom = String()


ENTITIES = [Client, ClientPourAffaire, Affaire, NatureClient, SocieteFacturation]
