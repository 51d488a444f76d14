"""Pedagogie entities.

Entity declarations of the GraphV1 "pedagogie" universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
"""

from scolarite.schema import (
    TEXT_MAX_LENGTH,
    Boolean,
    Collection,
    DateTimeOffset,
    Double,
    Entity,
    Int32,
    Int64,
    Navigation,
    String,
    edm,
)


class Sequence(Entity):
    """Séquence pédagogique. Rules: R63, R51."""

    __legacy__ = "pedagogie.T_SEQUENCE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ProgrammeId = Int64(ref="Programme")
    TypeSequenceId = Int64(ref="TypeSequence")
    EtablissementId = Int64()
    CycleId = Int64()
    Debut = DateTimeOffset(nullable=False)
    Fin = DateTimeOffset(nullable=False)
    Concomitant = Boolean()
    CreditsAuGlobal = Boolean()
    BulletinSurIntranet = Boolean()
    ReleveSurIntranet = Boolean()
    LibelleExterne = String()
    ReferentEcoleId = Int64()
    CodesPieces = String(max_length=TEXT_MAX_LENGTH)
    CodesPiecesOptionnelles = String(max_length=TEXT_MAX_LENGTH)
    OuvertCandidature = Boolean()
    DisplayPlanning = Boolean()
    SurveyId = Int64()
    SurveyCalendrierId = Int64()
    SurveyEntrepriseId = Int64()
    ScenarioLANId = Int64()
    ReferentLANEcoleIds = Collection(edm.Int64)
    LibelleDemarche = String()
    TitreDemarche = String()
    DescriptifDemarche = String(max_length=TEXT_MAX_LENGTH)
    DebutPeriodeCandidature = DateTimeOffset(nullable=False)
    FinPeriodeCandidature = DateTimeOffset(nullable=False)
    MobiliteDebut = DateTimeOffset(nullable=False)
    MobiliteFin = DateTimeOffset(nullable=False)
    ConclusionDemarche = String(max_length=TEXT_MAX_LENGTH)
    EcheancierFacturationApprentissageId = Int64(ref="EcheancierFacturationApprentissage")
    EcheancierFacturationProId = Int64(ref="EcheancierFacturation")
    CompetencesAcquerirId = Int64()
    NbSequenceFille = Int32()
    NbSequencePere = Int32()
    Campus = String(nullable=True)
    Marque = String(nullable=True)
    LibellePeriode = String()
    Credits = Double()
    Coefficient = Double()
    RegleId = Int64()
    MoyenneNotes = Double()
    NoteMin = Double()
    NoteMax = Double()
    DateJurySession1 = DateTimeOffset()
    DateJurySession2 = DateTimeOffset()
    SequenceAnnuelleId = Int64(nullable=True, ref="Sequence")
    SegmentId = Int64(nullable=True)
    EstUtiliseeDansParcoursBase = Boolean()
    DureeFormation = Double(nullable=True)
    NbHeureFormationDistancielle = Double(nullable=True)

    Programme = Navigation("Programme", fk="ProgrammeId")
    TypeSequence = Navigation("TypeSequence", fk="TypeSequenceId")
    EcheancierFacturationApprentissage = Navigation(
        "EcheancierFacturationApprentissage", fk="EcheancierFacturationApprentissageId"
    )
    EcheancierFacturationPro = Navigation("EcheancierFacturation", fk="EcheancierFacturationProId")
    SequenceAnnuelle = Navigation("Sequence", fk="SequenceAnnuelleId")


class TypeSequence(Entity):
    """Type de séquence. Rules: R51."""

    __legacy__ = "pedagogie.T_TYPE_SEQUENCE"
    Id = Int64(key=True)
    Nom = String()
    Code = String(index=True)


class Departement(Entity):
    """Département. Rules: R81."""

    __legacy__ = "pedagogie.T_DEPARTEMENT"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    EntiteJuridiqueId = Int64(ref="Campus")
    CodeDroit = String()
    NomLg = String()
    Campus = String(nullable=True)

    EntiteJuridique = Navigation("Campus", fk="EntiteJuridiqueId")


class Enseignant(Entity):
    """Enseignant. Rules: R76."""

    __legacy__ = "pedagogie.T_ENSEIGNANT"
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
    EntrepriseId = Int64(ref="Entreprise")
    EntiteJuridiqueId = Int64(ref="EntiteJuridique")
    IndividuId = Int64(ref="Individu")
    DiplomeON = Boolean()
    DoctoratON = Boolean()
    Profession = String()
    Promotion = String()
    Discipline = String()
    NumeroINSEE = String()
    NumeroURSSAF = String()
    NumeroSIREN = String()
    NumeroTVAintraCommunautaire = String()
    DernierDiplome = String()
    MatriculeRH = String()
    NumeroRCS = String()
    MailEcoleId = Int64(ref="Mail")
    BatimentId = Int64()
    Photo = String(nullable=True, max_length=None)

    Civilite = Navigation("Civilite", fk="CiviliteId")
    Adresse = Navigation("Adresse", fk="AdresseId")
    Mail = Navigation("Mail", fk="MailId")
    Telephone = Navigation("Telephone", fk="TelephoneId")
    Mobile = Navigation("Telephone", fk="MobileId")
    Nationalite1 = Navigation("Pays", fk="Nationalite1Id")
    Nationalite2 = Navigation("Pays", fk="Nationalite2Id")
    PaysNaissance = Navigation("Pays", fk="PaysNaissanceId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    EntiteJuridique = Navigation("EntiteJuridique", fk="EntiteJuridiqueId")
    Individu = Navigation("Individu", fk="IndividuId")
    MailEcole = Navigation("Mail", fk="MailEcoleId")


ENTITIES = [Sequence, TypeSequence, Departement, Enseignant]
