"""Admission entities.

Entity declarations of the GraphV1 "admission" universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
"""

from scolarite.odata.schema import TEXT_MAX_LENGTH
from scolarite.odata.schema import (
    Boolean,
    ComplexCollection,
    DateTimeOffset,
    Decimal,
    Entity,
    Int32,
    Int64,
    Navigation,
    String,
)

from ._types import PARAMETRE


class Candidat(Entity):
    """Candidat. Rules: R91, R92, R93, R41."""

    __legacy__ = "recrutement.T_CANDIDAT"
    Id = Int64(key=True)
    Nom = String(required=True, index=True)
    Code = String()
    Login = String(required=True)
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
    MailId = Int64(required=True, ref='Mail')
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
    Numero = String(index=True)
    Password = String(secret=True)
    Tuteur1Id = Int64(ref='Tuteur')
    IndividuId = Int64(ref='Individu')
    Tuteur2Id = Int64(ref='Tuteur')
    CanalAcquisitionId = Int64(ref='CanalAcquisition')
    ResidencePaysId = Int64(ref='Pays')
    ResidenceProvinceId = Int64()

    Civilite = Navigation("Civilite", fk="CiviliteId")
    Adresse = Navigation("Adresse", fk="AdresseId")
    Mail = Navigation("Mail", fk="MailId")
    Telephone = Navigation("Telephone", fk="TelephoneId")
    Mobile = Navigation("Telephone", fk="MobileId")
    Nationalite1 = Navigation("Pays", fk="Nationalite1Id")
    Nationalite2 = Navigation("Pays", fk="Nationalite2Id")
    PaysNaissance = Navigation("Pays", fk="PaysNaissanceId")
    Tuteur1 = Navigation("Tuteur", fk="Tuteur1Id")
    Individu = Navigation("Individu", fk="IndividuId")
    Tuteur2 = Navigation("Tuteur", fk="Tuteur2Id")
    CanalAcquisition = Navigation("CanalAcquisition", fk="CanalAcquisitionId")
    ResidencePays = Navigation("Pays", fk="ResidencePaysId")
    Dossiers = Navigation("Dossier", fk="CandidatId", many=True)


class Dossier(Entity):
    """Dossier de candidature. Rules: R94, R95, R96, R46, R3."""

    __legacy__ = "recrutement.T_DOSSIER"
    Id = Int64(key=True)
    Nom = String()
    Code = String(index=True)
    AffaireId = Int64(ref='Affaire')
    CandidatId = Int64(required=True, ref='Candidat')
    SessionRecrutementId = Int64(required=True, ref='SessionRecrutement')
    EtatCandidatureId = Int64(required=True, ref='EtatCandidature')
    DateDebut = DateTimeOffset(nullable=False)
    DateFin = DateTimeOffset()
    DateEvaluation = DateTimeOffset()
    DecisionId = Int64(nullable=True)
    DateDecision = DateTimeOffset()
    AnneeBac = String()
    NoteBac = String(nullable=True)
    SpecialiteBac = String()
    SpecialiteBaccalaureatGeneral1Id = Int64(nullable=True)
    SpecialiteBaccalaureatGeneral2Id = Int64(nullable=True)
    EtablissementBac = String()
    EtablissementVilleBac = String()
    EtablissementNumeroUAIBac = String()
    NumeroINEBac = String()
    EnCoursBac = Boolean()
    PaysIdBac = Int64(nullable=True, ref='Pays')
    BaccalaureatId = Int64(nullable=True)
    MentionId = Int64(nullable=True)
    InscriptionId = Int64(nullable=True, ref='Inscription')
    CreneauId = Int64(nullable=True)
    SituationActuelleId = Int64(nullable=True)
    DernierDiplomeId = Int64(nullable=True)
    Numero = String()
    ReferenceCRM = String()
    Referent1Id = Int64(nullable=True)
    Referent2Id = Int64(nullable=True)
    SessionId = Int64(nullable=True)
    ReponseQuestionnaireCandidatId = Int64(nullable=True)
    ReponseQuestionnaireReferent1Id = Int64(nullable=True)
    ReponseQuestionnaireReferent2Id = Int64(nullable=True)
    ReponseQuestionnaireEvaluateurId = Int64(nullable=True)
    CreneauLibre = DateTimeOffset()
    AgentId = Int64(nullable=True, ref='Agent')
    NiveauEtudeId = Int64(nullable=True)
    PourcentageAvancement = Int32()
    Parametres = ComplexCollection("GraphV1.Parametre", PARAMETRE)

    Affaire = Navigation("Affaire", fk="AffaireId")
    Candidat = Navigation("Candidat", fk="CandidatId")
    SessionRecrutement = Navigation("SessionRecrutement", fk="SessionRecrutementId")
    EtatCandidature = Navigation("EtatCandidature", fk="EtatCandidatureId")
    Inscription = Navigation("Inscription", fk="InscriptionId")
    Agent = Navigation("Agent", fk="AgentId")


class SessionRecrutement(Entity):
    """Voie d'admission. Rules: R97."""

    __legacy__ = "recrutement.T_SESSION_RECRUTEMENT"
    Id = Int64(key=True)
    Nom = String(required=True)
    Code = String(required=True)
    ProgrammeId = Int64(required=True, ref='Programme')
    EtablissementId = Int64()
    Debut = DateTimeOffset(nullable=False, required=True)
    Fin = DateTimeOffset(nullable=False, required=True)
    Payant = Boolean()
    Frais = Decimal()
    CodesPieces = String(max_length=TEXT_MAX_LENGTH)
    CodesPiecesOptionnelles = String(max_length=TEXT_MAX_LENGTH)
    LibelleExterne = String(required=True)
    ReferenceCRM = String()
    ReferenceConcours = String(nullable=True)
    CodesTests = String(max_length=TEXT_MAX_LENGTH)
    LibellePeriodeRentree = String()
    DebutPeriodeRentree = DateTimeOffset(nullable=False)
    FinPeriodeRentree = DateTimeOffset(nullable=False)
    CibleId = Int64()
    ParametresId = Int64(nullable=True)
    PeriodeRentreeId = Int64(required=True, ref='Periode')
    SurveyCandidatId = Int64()
    SurveyReferentId = Int64()
    SurveyEvaluateurId = Int64()
    SessionId = Int64()

    Programme = Navigation("Programme", fk="ProgrammeId")
    PeriodeRentree = Navigation("Periode", fk="PeriodeRentreeId")


class EtatCandidature(Entity):
    """État de candidature."""

    __legacy__ = "recrutement.T_ETAT_CANDIDATURE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    LibelleExterne = String()
    ReferenceExterne = String()


class Agent(Entity):
    """Agent (recruteur). Rules: R95."""

    __legacy__ = "recrutement.T_AGENT"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
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
    TiersTemps = Boolean()
    TiersTempsPrecision = String(max_length=TEXT_MAX_LENGTH)
    Actif = Boolean()
    IndividuId = Int64(ref='Individu')
    EntrepriseId = Int64(ref='Entreprise')
    EntiteJuridiqueId = Int64(ref='Campus')

    Civilite = Navigation("Civilite", fk="CiviliteId")
    Adresse = Navigation("Adresse", fk="AdresseId")
    Mail = Navigation("Mail", fk="MailId")
    Telephone = Navigation("Telephone", fk="TelephoneId")
    Mobile = Navigation("Telephone", fk="MobileId")
    Nationalite1 = Navigation("Pays", fk="Nationalite1Id")
    Nationalite2 = Navigation("Pays", fk="Nationalite2Id")
    PaysNaissance = Navigation("Pays", fk="PaysNaissanceId")
    Individu = Navigation("Individu", fk="IndividuId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    EntiteJuridique = Navigation("Campus", fk="EntiteJuridiqueId")


class CanalAcquisition(Entity):
    """Canal d'acquisition."""

    __legacy__ = "recrutement.T_CANAL_ACQUISITION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    LibelleExterne = String()
    ReferenceExterne = String()


ENTITIES = [Candidat, Dossier, SessionRecrutement, EtatCandidature, Agent, CanalAcquisition]
