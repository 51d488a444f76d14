"""Pédagogie: sequences, departments and teachers."""

from scolarite.schema import Boolean, Collection, DateTimeOffset, Double, Int32, Int64, String, edm

from ._types import text
from .abstract import Base, Personne


class Sequence(Base):
    """Séquence pédagogique. Rules: R63, R51."""

    __legacy__ = "pedagogie.T_SEQUENCE"
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
    CodesPieces = text()
    CodesPiecesOptionnelles = text()
    OuvertCandidature = Boolean()
    DisplayPlanning = Boolean()
    SurveyId = Int64()
    SurveyCalendrierId = Int64()
    SurveyEntrepriseId = Int64()
    ScenarioLANId = Int64()
    ReferentLANEcoleIds = Collection(edm.Int64)
    LibelleDemarche = String()
    TitreDemarche = String()
    DescriptifDemarche = text()
    DebutPeriodeCandidature = DateTimeOffset(nullable=False)
    FinPeriodeCandidature = DateTimeOffset(nullable=False)
    MobiliteDebut = DateTimeOffset(nullable=False)
    MobiliteFin = DateTimeOffset(nullable=False)
    ConclusionDemarche = text()
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


class TypeSequence(Base):
    """Type de séquence. Rules: R51."""

    __legacy__ = "pedagogie.T_TYPE_SEQUENCE"
    Code = String(index=True)


class Departement(Base):
    """Département. Rules: not yet: R81 (issue 16)."""

    __legacy__ = "pedagogie.T_DEPARTEMENT"
    EntiteJuridiqueId = Int64(ref="Campus")
    CodeDroit = String()
    NomLg = String()
    Campus = String(nullable=True)


class Enseignant(Personne):
    """Enseignant. Rules: R76."""

    __legacy__ = "pedagogie.T_ENSEIGNANT"
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


ENTITIES = [Sequence, TypeSequence, Departement, Enseignant]
