"""Relation entreprise entities.

Entity declarations of the GraphV1 "relation_entreprise" universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
"""

from scolarite.odata.schema import TEXT_MAX_LENGTH
from scolarite.odata.schema import (
    Boolean,
    DateTimeOffset,
    Decimal,
    Double,
    Entity,
    Int32,
    Int64,
    Navigation,
    String,
)



class Convention(Entity):
    """Convention (stage, apprentissage, professionnalisation). Rules: R48, R49, R50, R53, R54, R55, R56, R57, R58, R59, R60, R61, R62, R2, R3."""

    __legacy__ = "entreprise.T_CONVENTION"
    __unique__ = {"EntrepriseId": "each convention has its own entreprise (R55): Entreprise {value} already "
                                  "belongs to another convention; create a new Entreprise for this one"}
    Id = Int64(key=True)
    Nom = String()
    Code = String(index=True)
    ProvenanceOffreId = Int64()
    FonctionExerceId = Int64()
    TypeContratApprentissageId = Int64()
    TypeContratProfessionnalisationId = Int64()
    DiplomePlusEleveProfessionnalisationId = Int64()
    DernierDiplomePrepareProfessionalisationId = Int64()
    DiplomeViseId = Int64(nullable=True)
    DernierDiplomePrepareId = Int64(nullable=True)
    DiplomePlusEleveId = Int64(nullable=True)
    DerniereClasseId = Int64()
    SituationAvantContratApprentissageId = Int64()
    SituationAvantContratProfessionnalisationId = Int64()
    RythmeProfessionnalisationId = Int64()
    RythmeApprentissageId = Int64()
    TypeDerogationId = Int64()
    ApprenantId = Int64(required=True, ref='Apprenant')
    SequenceId = Int64(required=True, ref='Sequence')
    EnseignantId = Int64(ref='Enseignant')
    EntrepriseId = Int64(ref='Entreprise')
    SignataireId = Int64(ref='Professionnel')
    MaitreId = Int64(ref='Professionnel')
    MaitreBisId = Int64(ref='Professionnel')
    ReferentId = Int64(ref='Professionnel')
    Remuneration = Decimal()
    CoutFormation = Decimal()
    CoutFormationOrganismeFinanceur = Decimal()
    CoutFormationResteChargeEntreprise = Decimal()
    EstLieuDeFormationPrincipal = Boolean()
    AutreLieuFormationId = Int64(ref='AutreLieuFormation')
    MissionId = Int64()
    DateRupture = DateTimeOffset()
    DateFinMaintienFormation = DateTimeOffset()
    MotifRuptureId = Int64()
    DateDebutSaisie = DateTimeOffset()
    Avenant = Boolean()
    ConventionOrigineId = Int64(ref='Convention')
    DateValidationApprenant = DateTimeOffset()
    DateValidationEcole = DateTimeOffset()
    DateValidationEnseignant = DateTimeOffset()
    DateValidationEntreprise = DateTimeOffset()
    DateValidationMaitre = DateTimeOffset()
    DateDebut = DateTimeOffset()
    DateFin = DateTimeOffset()
    TypeConventionId = Int64(required=True, ref='TypeConvention')
    MinimumSocialProfessionnalisationId = Int64()
    EtatConventionId = Int64(ref='EtatConvention')
    NbJourPeriodeEssai = Int32()
    DureePoleEmploi = Int32()
    ClassificationEmploi = String()
    Subrogation = Boolean()
    InscritPoleEmploi = Boolean()
    NbHeureFormation = Double()
    NbHeureEnseignement = Double()
    NbHeureOPCA = Double()
    NbHeureEntreprise = Double()
    NumeroPoleEmploi = String()
    Poste = String()
    NiveauPoste = String()
    CoeficientHierarchique = String()
    ReferenceId = Int64()
    NatureContratId = Int64()
    OrganismeFormation = String()
    TypeQualification = String()
    OrigineContratId = Int64()
    ReferentEcoleId = Int64()
    CompetencesAcquerirId = Int64()
    NbJourConges = String()
    NbJourPresence = Double()
    AvantageAccordId = Int64()
    RemunerationHoraire = Decimal()
    StageEtranger = Boolean()
    RemunerationNette = Boolean()
    CasParticulierId = Int64()
    CommentaireId = Int64(ref='Commentaire')
    DureeEffective = Decimal()
    DureeEffectiveHeure = Decimal()
    DebutFormation = DateTimeOffset()
    FinFormation = DateTimeOffset()
    Devise = String(default='Euro')
    PeriodeConventionId = Int64(nullable=True, default=0)
    NombreOrganismeFormation = Int32()
    OrganismeFormationInterne = Boolean()
    IdMotifAvenant = Int64()
    MotifAvenant = String(nullable=True, max_length=TEXT_MAX_LENGTH)
    TauxEntreprise = Decimal()
    TauxOPCA = Decimal()
    TravailHandicape = Boolean()
    InscritListeSportive = Boolean()
    ProjetEntreprise = Boolean()
    RegimeSocial = String()
    AssuranceChomage = Boolean()
    AvantageAutre = String()
    AvantageLogement = Decimal(nullable=True)
    AvantageNourriture = Decimal(nullable=True)
    CaisseRetraite = String()
    NumContrat = String()
    NumCommande = String()
    DateFinEssai = DateTimeOffset()
    DateAvenant = DateTimeOffset()
    TravailDangereux = Boolean()
    AttesteEnsembleDoc = Boolean()
    LanId = Int64(nullable=True)
    IdClasseAnneeDerniere = Int64(nullable=True)
    IdDepartement = Int64(nullable=True, ref='Departement')
    DateConclusion = DateTimeOffset(nullable=False)

    Apprenant = Navigation("Apprenant", fk="ApprenantId")
    Sequence = Navigation("Sequence", fk="SequenceId")
    Enseignant = Navigation("Enseignant", fk="EnseignantId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    Signataire = Navigation("Professionnel", fk="SignataireId")
    Maitre = Navigation("Professionnel", fk="MaitreId")
    MaitreBis = Navigation("Professionnel", fk="MaitreBisId")
    Referent = Navigation("Professionnel", fk="ReferentId")
    AutreLieuFormation = Navigation("AutreLieuFormation", fk="AutreLieuFormationId")
    ConventionOrigine = Navigation("Convention", fk="ConventionOrigineId")
    TypeConvention = Navigation("TypeConvention", fk="TypeConventionId")
    EtatConvention = Navigation("EtatConvention", fk="EtatConventionId")
    Commentaire = Navigation("Commentaire", fk="CommentaireId")


class TypeConvention(Entity):
    """Type de convention. Rules: R56."""

    __legacy__ = "entreprise.T_TYPE_CONVENTION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    AvecSignatureEnLigne = Boolean()
    RegimeId = Int64(ref='RegimeInscription')

    Regime = Navigation("RegimeInscription", fk="RegimeId")


class EtatConvention(Entity):
    """État de convention. Rules: R53, R54."""

    __legacy__ = "entreprise.T_ETAT_CONVENTION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Ordre = Int32()
    MailUserId = Int64()
    MailInformationId = Int64()
    AfficheSuiviTransmission = Boolean()
    EnvoiCfadock = Boolean()
    ProgrammeTypeConventionId = Int64()


class Entreprise(Entity):
    """Entreprise. Rules: R68, R55."""

    __legacy__ = "entreprise.T_ENTREPRISE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    AdresseId = Int64(ref='Adresse')
    MailId = Int64(ref='Mail')
    TelephoneId = Int64(ref='Telephone')
    CaisseRetraite = String()
    CaissePrevoyance = String()
    SIRET = String()
    NAF = String()
    TVAintracommunautaire = String()
    ConventionCollective = String()
    IDCC = String()
    IsParticulierEmployeur = Boolean()
    NumUrssafParticulierEmployeur = String()
    Effectif = String()
    RefCompte = Int64(ref='Client')
    FormeJuridiqueId = Int64()
    TauxEntreprise = Decimal()
    AutreInformation = String(max_length=TEXT_MAX_LENGTH)
    NumeroProjet = String()

    Adresse = Navigation("Adresse", fk="AdresseId")
    Mail = Navigation("Mail", fk="MailId")
    Telephone = Navigation("Telephone", fk="TelephoneId")


class Professionnel(Entity):
    """Professionnel (tuteur, signataire, contact). Rules: R69, R58, R57."""

    __legacy__ = "entreprise.T_PROFESSIONNEL"
    Id = Int64(key=True)
    Nom = String(required=True)
    Code = String()
    Login = String()
    Prenoms = String(required=True)
    NomUsage = String(required=True)
    PrenomUsage = String(required=True)
    Prenom2 = String()
    Prenom3 = String()
    NomJeuneFille = String()
    Fonction = String(default='Dirigeant')
    VilleNaissance = String()
    DepartementNaissance = String()
    CodeCommuneNaissance = String()
    CiviliteId = Int64(required=True, ref='Civilite')
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
    IndividuId = Int64(ref='Individu')
    EntrepriseId = Int64(ref='Entreprise')
    DiplomeApprentissageId = Int64()
    InseeNumber = String(nullable=True)
    Promotion = String()
    CodeActiviteEntrepriseUtilisatriceNAF = String(nullable=True)

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


class OPCA(Entity):
    """Organisme financeur (OPCA/OPCO). Rules: R67, R66."""

    __legacy__ = "entreprise.T_O_P_C_A"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    EntiteJuridiqueId = Int64(ref='EntiteJuridique')
    RefClient = Int64(ref='Client')
    AdresseId = Int64(ref='Adresse')
    EntrepriseId = Int64(nullable=True, ref='Entreprise')
    CommentaireId = Int64(ref='Commentaire')
    ContactId = Int64(nullable=True)
    NouvelleReference = Int64()
    LibelleExterne = String()
    ClefCFADock = String()
    CFADockdossier = Boolean()
    CFADockfacture = Boolean()
    FA13v10 = Boolean()

    EntiteJuridique = Navigation("EntiteJuridique", fk="EntiteJuridiqueId")
    Adresse = Navigation("Adresse", fk="AdresseId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    Commentaire = Navigation("Commentaire", fk="CommentaireId")


class ConventionOrganismeFinanceur(Entity):
    """Organisme financeur de la convention. Rules: R66."""

    __legacy__ = "entreprise.T_CONVENTION_ORGANISME_FINANCEUR"
    Id = Int64(key=True)
    Nom = String(nullable=True)
    Code = String(nullable=True)
    ConventionId = Int64(required=True, ref='Convention')
    OrganismeFinanceurId = Int64(required=True, ref='OPCA')
    OrganismeFinanceurFacturationId = Int64(ref='OPCA')
    NumeroDossier = String()
    NumeroDECA = String()
    NumeroInterne = String()
    StatutCFADOCK = String()
    StatutTransmission = String()
    DateEnvoiCFADOCK = DateTimeOffset()
    DateTransmissionHorsCFADOCK = DateTimeOffset()
    CodeAdherent = String()
    DateReception = DateTimeOffset()
    DateEnvoi = DateTimeOffset()
    TypePriseCharge = String(default='Entreprise')
    TauxHoraire = Decimal(nullable=True)
    EcheancierEntrepriseId = Int64()
    GestionnaireDossierId = Int64()
    AutreContactId = Int64()
    DernierCertificatEnvoye = Boolean()

    Convention = Navigation("Convention", fk="ConventionId")
    OrganismeFinanceur = Navigation("OPCA", fk="OrganismeFinanceurId")
    OrganismeFinanceurFacturation = Navigation("OPCA", fk="OrganismeFinanceurFacturationId")


class Remuneration(Entity):
    """Rémunération de l'apprenant. Rules: R70, R71, R2."""

    __legacy__ = "entreprise.T_REMUNERATION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Debut1 = DateTimeOffset()
    Fin1 = DateTimeOffset()
    Pourcentage1 = Decimal()
    SalaireMin1 = String()
    Debut2 = DateTimeOffset()
    Fin2 = DateTimeOffset()
    Pourcentage2 = Decimal()
    SalaireMin2 = String()
    Annee = Int32()
    ConventionId = Int64(ref='Convention')

    Convention = Navigation("Convention", fk="ConventionId")


class DispositionFinanciere(Entity):
    """Frais de formation. Rules: R72, R73, R74, R75, R3."""

    __legacy__ = "entreprise.T_DISPOSITION_FINANCIERE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    Annee = String()
    ConventionId = Int64(required=True, ref='Convention')
    CoutAnnuelFormation = Decimal(required=True)
    CoutContratOpco = Decimal(required=True)
    ResteChargeEntreprise = Decimal(required=True)
    TypeFrais = String(required=True)
    MajorationRQTH = Decimal(required=True)

    Convention = Navigation("Convention", fk="ConventionId")


class TypeFraisFormation(Entity):
    """Type de frais de formation. Rules: R73."""

    __legacy__ = "entreprise.T_TYPE_FRAIS_FORMATION"
    Id = Int32(key=True)
    Libelle = String()


class EcheancierFacturation(Entity):
    """Échéancier de facturation (contrat de professionnalisation). Rules: R63, R64."""

    __legacy__ = "entreprise.T_ECHEANCIER_FACTURATION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ProgrammeId = Int64(ref='Programme')
    EntiteFacturationId = Int64(ref='SocieteFacturation')

    Programme = Navigation("Programme", fk="ProgrammeId")
    EntiteFacturation = Navigation("SocieteFacturation", fk="EntiteFacturationId")


class EcheanceFacturation(Entity):
    """Échéance d'un échéancier (contrat de professionnalisation). Rules: R64."""

    __legacy__ = "entreprise.T_ECHEANCE_FACTURATION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    EcheancierId = Int64(ref='EcheancierFacturation')
    NbHeureTheorique = Double()
    NbHeureReelle = Double()
    Date = DateTimeOffset()
    NoteId = Int64(ref='Note')
    Compte = String()
    CodeAnalytique = String()
    Libelle = String()
    LibelleExterne = String()
    CategoriePrestationId = Int64()
    PeriodeNom = String(nullable=True)

    Echeancier = Navigation("EcheancierFacturation", fk="EcheancierId")
    Note = Navigation("Note", fk="NoteId")


class EcheancierFacturationApprentissage(Entity):
    """Échéancier de facturation (contrat d'apprentissage). Rules: R63, R64."""

    __legacy__ = "entreprise.T_ECHEANCIER_FACTURATION_APPRENTISSAGE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ProgrammeId = Int64(ref='Programme')
    EntiteFacturationId = Int64(ref='SocieteFacturation')
    MontantTotal = Decimal()
    MontantFraisPedagogique = Decimal()
    MontantFraisAnnexe = Decimal()

    Programme = Navigation("Programme", fk="ProgrammeId")
    EntiteFacturation = Navigation("SocieteFacturation", fk="EntiteFacturationId")


class EcheanceFacturationApprentissage(Entity):
    """Échéance d'un échéancier (contrat d'apprentissage). Rules: R64."""

    __legacy__ = "entreprise.T_ECHEANCE_FACTURATION_APPRENTISSAGE"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    EcheancierId = Int64(ref='EcheancierFacturationApprentissage')
    Libelle = String()
    Pourcentage = Decimal(nullable=True)
    Montant = Decimal()
    Date = DateTimeOffset(nullable=False)
    Compte = String()
    CodeAnalytique = String()
    LibelleExterne = String()
    CategoriePrestationId = Int64()
    PeriodeNom = String()
    IsEntreprise = Boolean()

    Echeancier = Navigation("EcheancierFacturationApprentissage", fk="EcheancierId")


class EcheanceApprentissageConvention(Entity):
    """Échéance de convention (apprentissage). Rules: R65, R64."""

    __legacy__ = "entreprise.T_ECHEANCE_APPRENTISSAGE_CONVENTION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ConventionId = Int64(ref='Convention')
    EntrepriseId = Int64(ref='Entreprise')
    OPCAId = Int64(ref='OPCA')
    Montant = Decimal()
    Pourcentage = Decimal(nullable=True)
    Libelle = String()
    NumeroFacture = String()
    Date = DateTimeOffset(nullable=False)
    NoteId = Int64(ref='Note')
    RefPrestationId = Int64(nullable=True)
    RefPaiementId = Int64(nullable=True)
    Compte = String()
    CodeAnalytique = String()
    LibelleExterne = String()
    CategoriePrestationId = Int64()
    PeriodeNom = String()
    Source = String()
    Codification = String()
    Numero = Int32()
    Nature = String()
    RefEcheanceLiee = Int64(nullable=True)

    Convention = Navigation("Convention", fk="ConventionId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    OPCA = Navigation("OPCA", fk="OPCAId")
    Note = Navigation("Note", fk="NoteId")


class EcheanceConvention(Entity):
    """Échéance de convention (professionnalisation). Rules: R65, R64."""

    __legacy__ = "entreprise.T_ECHEANCE_CONVENTION"
    Id = Int64(key=True)
    Nom = String()
    Code = String()
    ConventionId = Int64(ref='Convention')
    EntrepriseId = Int64(ref='Entreprise')
    OPCAId = Int64(ref='OPCA')
    NbHeureTheorique = Double()
    NbHeureReelle = Double()
    Taux = Decimal()
    Date = DateTimeOffset(nullable=False)
    NoteId = Int64(ref='Note')
    RefPrestationId = Int64(nullable=True)
    RefPaiementId = Int64(nullable=True)
    Compte = String()
    CodeAnalytique = String()
    DureeAbsence = Double()
    TauxAbsence = Decimal()
    FactureAbsence = String()
    RefPrestationAbsenceId = Int64()
    RefPaiementAbsenceId = Int64()
    CompteAbsence = String()
    CodeAnalytiqueAbsence = String()
    NoteAbsenceId = Int64(ref='Note')
    Libelle = String()
    LibelleExterne = String()
    CategoriePrestationId = Int64()
    PeriodeNom = String()
    RefEcheanceLiee = Int64(nullable=True)

    Convention = Navigation("Convention", fk="ConventionId")
    Entreprise = Navigation("Entreprise", fk="EntrepriseId")
    OPCA = Navigation("OPCA", fk="OPCAId")
    Note = Navigation("Note", fk="NoteId")
    NoteAbsence = Navigation("Note", fk="NoteAbsenceId")


class AutreLieuFormation(Entity):
    """Autre lieu de formation. Rules: R100."""

    __legacy__ = "entreprise.T_AUTRE_LIEU_FORMATION"
    Id = Int64(key=True)
    Nom = String()
    Code = String(required=True)
    AdresseId = Int64(required=True, ref='Adresse')
    PaysId = Int64(required=True, ref='Pays')
    Libelle = String(required=True)
    Siret = String(required=True)
    Uai = String(required=True)

    Adresse = Navigation("Adresse", fk="AdresseId")
    Pays = Navigation("Pays", fk="PaysId")


ENTITIES = [Convention, TypeConvention, EtatConvention, Entreprise, Professionnel, OPCA, ConventionOrganismeFinanceur, Remuneration, DispositionFinanciere, TypeFraisFormation, EcheancierFacturation, EcheanceFacturation, EcheancierFacturationApprentissage, EcheanceFacturationApprentissage, EcheanceApprentissageConvention, EcheanceConvention, AutreLieuFormation]
