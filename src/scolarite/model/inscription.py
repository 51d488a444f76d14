"""Inscription entities.

Entity declarations of the GraphV1 "inscription" universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
"""

from scolarite.odata import edm
from scolarite.odata.schema import TEXT_MAX_LENGTH
from scolarite.odata.schema import (
    Boolean,
    ComplexCollection,
    DateTimeOffset,
    Decimal,
    Double,
    Entity,
    Int32,
    Int64,
    Navigation,
    String,
)



class Apprenant(Entity):
    """Apprenant. Rules: R17, R18, R19, R20, R21, R22, R23, R41, R2."""

    __legacy__ = "inscription.T_APPRENANT"
    Id = Int64(key=True)
    Nom = String(required=True, index=True)
    Code = String(index=True)
    Login = String()
    Prenoms = String(required=True, index=True)
    NomUsage = String()
    PrenomUsage = String()
    Prenom2 = String()
    Prenom3 = String()
    NomJeuneFille = String()
    Fonction = String()
    VilleNaissance = String()
    DepartementNaissance = String()
    CodeCommuneNaissance = String()
    CiviliteId = Int64(required=True, ref='Civilite')
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
    Tuteur1Id = Int64(ref='Tuteur')
    Tuteur2Id = Int64(ref='Tuteur')
    EntrepriseId = Int64(ref='Entreprise')
    IndividuId = Int64(ref='Individu')
    NumeroIne = String(nullable=True)
    NumeroInsee = String()
    Photo = String(nullable=True, max_length=None)
    RestreintPedagogie = Boolean()
    RestreintFinance = Boolean()
    ESI = String()

    Civilite = Navigation("Civilite", fk="CiviliteId")
    Adresse = Navigation("Adresse", fk="AdresseId")
    Mail = Navigation("Mail", fk="MailId")
    Telephone = Navigation("Telephone", fk="TelephoneId")
    Mobile = Navigation("Telephone", fk="MobileId")
    Nationalite1 = Navigation("Pays", fk="Nationalite1Id")
    Nationalite2 = Navigation("Pays", fk="Nationalite2Id")
    PaysNaissance = Navigation("Pays", fk="PaysNaissanceId")
    Tuteur1 = Navigation("Tuteur", fk="Tuteur1Id")
    Tuteur2 = Navigation("Tuteur", fk="Tuteur2Id")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    Individu = Navigation("Individu", fk="IndividuId")


class Tuteur(Entity):
    """Tuteur (représentant légal). Rules: R23."""

    __legacy__ = "inscription.T_TUTEUR"
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
    EntrepriseId = Int64(ref='Entreprise')
    AutoriseON = Boolean()
    DiplomeON = Boolean()
    CSPId = Int64()
    Profession = String()
    Promotion = String()
    Type = String(nullable=True)
    NatureTuteurId = Int64()

    Civilite = Navigation("Civilite", fk="CiviliteId")
    Adresse = Navigation("Adresse", fk="AdresseId")
    Mail = Navigation("Mail", fk="MailId")
    Telephone = Navigation("Telephone", fk="TelephoneId")
    Mobile = Navigation("Telephone", fk="MobileId")
    Nationalite1 = Navigation("Pays", fk="Nationalite1Id")
    Nationalite2 = Navigation("Pays", fk="Nationalite2Id")
    PaysNaissance = Navigation("Pays", fk="PaysNaissanceId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")


class RegimeInscription(Entity):
    """Régime de l'apprenant."""

    __legacy__ = "inscription.T_REGIME_INSCRIPTION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    LibelleExterne = String()
    CodeSISE = String()


class Recrutement(Entity):
    """Voie d'entrée. Rules: R33, R32."""

    __legacy__ = "inscription.T_RECRUTEMENT"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ProgrammeId = Int64(ref='Programme')
    ParcoursId = Int64(ref='Parcours')
    TypeRecrutementId = Int64()
    EtablissementId = Int64()
    TemplateIsic = Int32()
    Racine = String(max_length=TEXT_MAX_LENGTH)
    LibelleExterne = String()
    PayePar = String()
    CodesPieces = String(max_length=TEXT_MAX_LENGTH)
    CodesPiecesOptionnelles = String(max_length=TEXT_MAX_LENGTH)
    Debut = DateTimeOffset(nullable=False)
    Fin = DateTimeOffset(nullable=False)
    Rentree = DateTimeOffset(nullable=False)
    Accompte = Decimal()
    Payant = Boolean()
    Reinscription = Boolean()
    Passage = Boolean()
    Diplomant = Boolean()
    EntiteJuridiqueId = Int64(nullable=True, ref='EntiteJuridique')
    DebutFormation = DateTimeOffset()
    FinFormation = DateTimeOffset()
    EnqueteSISE = Boolean()
    EnqueteCTI = Boolean()
    EnqueteSISEDiplom = String()
    EnqueteSISECompos = String()
    ReferenceExterneId = Int64(ref='ReferenceExterne', index=True)
    Parametres = ComplexCollection("GraphV1.ParametreCode", {"Code": edm.String})

    Programme = Navigation("Programme", fk="ProgrammeId")
    Parcours = Navigation("Parcours", fk="ParcoursId")
    EntiteJuridique = Navigation("EntiteJuridique", fk="EntiteJuridiqueId")
    ReferenceExterne = Navigation("ReferenceExterne", fk="ReferenceExterneId")


class EtatInscription(Entity):
    """Issue / État d'inscription."""

    __legacy__ = "inscription.T_ETAT_INSCRIPTION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ApprenantON = Boolean()
    NumeroOrdre = Int32()
    EtatInduitId = Int64(ref='EtatInscription')
    SuiviInscription = Boolean()
    SuiviReinscription = Boolean()
    OuvreAccesIntranet = Boolean()
    ReferenceExterne = String()
    LibelleIssue = String()

    EtatInduit = Navigation("EtatInscription", fk="EtatInduitId")


class Origine(Entity):
    """Origine (du recrutement). Rules: R34."""

    __legacy__ = "inscription.T_ORIGINE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ConcoursON = Boolean()
    PartenaireON = Boolean()
    EntiteJuridiqueId = Int64(ref='EntiteJuridique')

    EntiteJuridique = Navigation("EntiteJuridique", fk="EntiteJuridiqueId")


class Inscription(Entity):
    """Inscription (dossier d'inscription). Rules: R26, R27, R28, R29, R31, R35, R8."""

    __legacy__ = "inscription.T_INSCRIPTION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    EntiteJuridiqueId = Int64(ref='EntiteJuridique')
    Date = DateTimeOffset()
    CommentaireId = Int64(ref='Commentaire')
    Contentieux = Boolean()
    AffaireId = Int64(ref='Affaire')
    ApprenantId = Int64(required=True, ref='Apprenant')
    ProgrammeId = Int64(required=True, ref='Programme')
    RecrutementId = Int64(required=True, ref='Recrutement')
    EtatInscriptionId = Int64(required=True, ref='EtatInscription')
    RegimeInscriptionId = Int64(required=True, ref='RegimeInscription')
    DateInscription = DateTimeOffset(nullable=False, required=True)
    DateSortie = DateTimeOffset()
    OrigineId = Int64(ref='Origine')
    SituationPrecedenteId = Int64()
    BaccalaureatId = Int64()
    MentionId = Int64()
    SpecialiteBaccalaureat1Id = Int64()
    SpecialiteBaccalaureat2Id = Int64()
    TypePrepaId = Int64()
    DernierDiplomeId = Int64()
    DomaineDiplomeId = Int64()
    DernierDiplomeLibelle = String()
    CPDernierEtablissement = String()
    VilleDernierEtablissement = String()
    DernierEtablissement = String()
    MotifDesinscription = String(max_length=TEXT_MAX_LENGTH)
    DiplomeRequis = Boolean()
    Convention = Boolean()
    PieceIdentite = Boolean()
    AttestationBourse = Boolean()
    ConditionsGenerales = Boolean()
    DernierReleveNote = Boolean()
    AttestationResponsabiliteCivile = Boolean()
    AccompteVerse = Boolean()
    ReferenceRecrutement = String()
    DateArrivee = DateTimeOffset()
    LogistiqueArrivee = String(max_length=TEXT_MAX_LENGTH)
    NoteUrgenceId = Int64(ref='Note')
    NoteDiversAdministratifId = Int64(ref='Note')
    MailEcoleId = Int64(ref='Mail')
    AnneeBac = String()
    DepartementBac = String()
    VilleBac = String()
    EtablissementBac = String()
    SpecialiteBac = String()
    NoteBac = Double(nullable=True)
    PaysBacId = Int64(ref='Pays')
    PaysDernierEtablissementId = Int64(ref='Pays')
    NumeroDiplome = String()
    MentionDiplome = String()
    DetailOrigine = String(max_length=TEXT_MAX_LENGTH)
    DatePremiereConnexion = DateTimeOffset()
    EtablissementDernierDiplomeId = Int64()
    ResponseSurveyId = Int64()
    EtablissementBaccalaureatId = Int64()
    DateJuryAdmission = DateTimeOffset()
    DerniereMiseAJourCRM = DateTimeOffset()
    OffreCrm = String(max_length=TEXT_MAX_LENGTH)
    EnCoursBac = Boolean()

    EntiteJuridique = Navigation("EntiteJuridique", fk="EntiteJuridiqueId")
    Commentaire = Navigation("Commentaire", fk="CommentaireId")
    Affaire = Navigation("Affaire", fk="AffaireId")
    Apprenant = Navigation("Apprenant", fk="ApprenantId")
    Programme = Navigation("Programme", fk="ProgrammeId")
    Recrutement = Navigation("Recrutement", fk="RecrutementId")
    EtatInscription = Navigation("EtatInscription", fk="EtatInscriptionId")
    RegimeInscription = Navigation("RegimeInscription", fk="RegimeInscriptionId")
    Origine = Navigation("Origine", fk="OrigineId")
    NoteUrgence = Navigation("Note", fk="NoteUrgenceId")
    NoteDiversAdministratif = Navigation("Note", fk="NoteDiversAdministratifId")
    MailEcole = Navigation("Mail", fk="MailEcoleId")
    PaysBac = Navigation("Pays", fk="PaysBacId")
    PaysDernierEtablissement = Navigation("Pays", fk="PaysDernierEtablissementId")
    InscriptionPeriodes = Navigation("InscriptionPeriode", fk="InscriptionId", many=True)


class InscriptionPeriode(Entity):
    """Inscription sur une période. Rules: R30, R31."""

    __legacy__ = "inscription.T_INSCRIPTION_PERIODE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    InscriptionId = Int64(required=True, ref='Inscription')
    DecisionJuryId = Int64()
    PeriodeId = Int64(required=True, ref='Periode')
    RegimeInscriptionId = Int64(ref='RegimeInscription')
    DateInscriptionMutuelle = DateTimeOffset()
    EchelonBourseId = Int64()
    MutuelleId = Int64()
    Issue = String()
    MotifExonerationMutuelle = String()
    Boursier = Boolean()
    AttestationBourse = Boolean()
    AttestationExonerationSS = Boolean()
    Cesure = Boolean()
    Redoublant = Boolean()
    AnneeScolaire = Int32()
    DateEnvoiCertificat = DateTimeOffset()
    DateEnvoiBulletin = DateTimeOffset()
    DateFinResponsabiliteCivile = DateTimeOffset()
    EtatInscriptionId = Int64(ref='EtatInscription')
    RecrutementId = Int64(ref='Recrutement')
    SpecialiteId = Int64()
    DateReinscription = DateTimeOffset()
    LibellePeriode = String()
    Debut = DateTimeOffset(nullable=False)
    Fin = DateTimeOffset(nullable=False)
    DisplayLibellePeriode = String()
    LibellePeriodeSpecifique = String()
    CVEC = String()
    CVECnomrenseigne = String()
    CVECNumeroINE = String(nullable=True)
    ModalitePaiementId = Int64()
    TypePaiementAcompteId = Int64()
    TypePaiementId = Int64()
    AlternanceSouhaitee = Boolean()
    FraisValider = Boolean()
    Acompte = Decimal(nullable=True)
    DatePremiereConnexionReinscriptionIntranet = DateTimeOffset()

    Inscription = Navigation("Inscription", fk="InscriptionId")
    Periode = Navigation("Periode", fk="PeriodeId")
    RegimeInscription = Navigation("RegimeInscription", fk="RegimeInscriptionId")
    EtatInscription = Navigation("EtatInscription", fk="EtatInscriptionId")
    Recrutement = Navigation("Recrutement", fk="RecrutementId")


class Parcours(Entity):
    """Parcours. Rules: R32."""

    __legacy__ = "inscription.T_PARCOURS"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ProgrammeId = Int64(ref='Programme')

    Programme = Navigation("Programme", fk="ProgrammeId")
    ParcoursPeriodes = Navigation("ParcoursPeriode", fk="ParcoursId", many=True)


class ParcoursPeriode(Entity):
    """Période du parcours. Rules: R30."""

    __legacy__ = "inscription.T_PARCOURS_PERIODE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ParcoursId = Int64(ref='Parcours')
    PeriodeId = Int64(ref='Periode')
    AnneeScolaire = Int32()
    LibellePeriode = String()
    Debut = DateTimeOffset(nullable=False)
    Fin = DateTimeOffset(nullable=False)
    LibellePeriodeSpecifique = String()
    SpecialiteId = Int64()

    Parcours = Navigation("Parcours", fk="ParcoursId")
    Periode = Navigation("Periode", fk="PeriodeId")


class InscriptionSequence(Entity):
    """Inscription à une séquence. Rules: R24, R51, R52."""

    __legacy__ = "inscription.T_INSCRIPTION_SEQUENCE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ApprenantId = Int64(ref='Apprenant')
    SequenceId = Int64(ref='Sequence')
    RedoublementPartiel = Boolean()
    PourcentageCorrectionNote = Double()
    PointsCorrectionNote = Double(nullable=True)
    CreditBonus = Double(nullable=True)
    CreditJury = Double()
    Precision = String(max_length=TEXT_MAX_LENGTH)
    AppreciationId = Int64()
    EtatCandidatureParcoursId = Int64()
    ReponseSurveyCandidatureId = Int64()
    ValidationInfosPerso = String(nullable=True)
    ValidationGlobale = String(nullable=True)
    DateDesinscription = DateTimeOffset()
    RelanceReferentFinancier = Boolean()
    RelanceApprenant = Boolean()
    ContentieuxApprenant = Boolean()
    Note = Double(nullable=True)
    NoteAvantRattrapage = Double(nullable=True)
    Valide = Boolean()
    Rattrape = Boolean()
    NbCredits = Double(nullable=True)
    DetailValidation = String(max_length=TEXT_MAX_LENGTH)
    SommePonderation = Double(nullable=True)
    NoteFinale = Double(nullable=True)
    CreditFinal = Double(nullable=True)
    NoteSurcharge = Double(nullable=True)
    CreditAvantRattrapage = Double(nullable=True)
    CreditSurcharge = Double(nullable=True)
    NoteRetenu = Double(nullable=True)
    CreditRetenu = Double(nullable=True)
    DecisionJuryId = Int64()
    CreditMax = Double(nullable=True)

    Apprenant = Navigation("Apprenant", fk="ApprenantId")
    Sequence = Navigation("Sequence", fk="SequenceId")


class InscriptionCours(Entity):
    """Inscription à un cours. Rules: R25."""

    __legacy__ = "inscription.T_INSCRIPTION_COURS"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ApprenantId = Int64(ref='Apprenant')
    CoursId = Int64()
    AppreciationId = Int64()
    Valide = Boolean()
    Rattrape = Boolean()
    Note = Double(nullable=True)
    Bonus = Double(nullable=True)
    NoteAvantRattrapage = Double(nullable=True)
    NbAbsencesJustifiees = Int32()
    NbAbsencesInjustifiees = Int32()
    NoteECTS = String()
    Ponderation = Double()
    CreditAvantRattrapage = Double(nullable=True)
    NbCredits = Double(nullable=True)
    CreditSurcharge = Double(nullable=True)
    CreditFinal = Double(nullable=True)
    DateDesinscription = DateTimeOffset()
    Precision = String(max_length=TEXT_MAX_LENGTH)
    DetailValidation = String(max_length=TEXT_MAX_LENGTH)
    NoteFinale = Double(nullable=True)
    NoteRetenu = Double(nullable=True)
    CreditRetenu = Double(nullable=True)

    Apprenant = Navigation("Apprenant", fk="ApprenantId")


class ProgrammeRegime(Entity):
    """Liaison programme / régime. Rules: R47."""

    __legacy__ = "inscription.T_PROGRAMME_REGIME"
    Id = Int64(key=True)
    Nom = String(required=True)
    Code = String()
    EntiteJuridiqueId = Int64(required=True, ref='SocieteFacturation')
    ProgrammeId = Int64(required=True, ref='Programme')
    RegimeInscriptionId = Int64(required=True, ref='RegimeInscription')
    TauxTVA = Decimal(required=True)

    EntiteJuridique = Navigation("SocieteFacturation", fk="EntiteJuridiqueId")
    Programme = Navigation("Programme", fk="ProgrammeId")
    RegimeInscription = Navigation("RegimeInscription", fk="RegimeInscriptionId")


ENTITIES = [Apprenant, Tuteur, RegimeInscription, Recrutement, EtatInscription, Origine, Inscription, InscriptionPeriode, Parcours, ParcoursPeriode, InscriptionSequence, InscriptionCours, ProgrammeRegime]
