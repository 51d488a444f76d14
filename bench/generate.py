"""Generate a realistic Scolarite data set through the project's own model.

    python bench/generate.py --database-url sqlite:///bench.db --learners 100000 --samples samples.json

Every row is built from the entity declarations (``scolarite.model``): each starts
as ``{name: prop.default for every non-key property}`` and is then given its values,
so a property added to the model is filled with its declared default here too.
Tables come from ``Database`` (``scolarite.store.db``), the schema from the project's
Alembic migrations, the reference data from the demo referentials
(``scolarite.store.referentials``), the credential from ``Credentials``.

For speed the rows are written in bulk rather than one ``Database.insert`` at a
time: a block of ids is reserved in the ``Object`` registry (explicit ids above
``max(Id)``, one ``Object`` row per entity with its legacy type name and set, exactly
what ``Database.insert`` writes), entity rows go in with executemany, and
``Database.fix_sequences`` moves the id sequence past them at the end.  The code
counters (learner ``A…``, affaire ``C…``, convention ``CS…``) are moved past the
generated codes so that the server's next creations do not have to skip them.

Per learner: an e-mail, an Individu, an Apprenant (code ``A`` + digits, French name),
an Affaire and its Inscription, the 3 InscriptionPeriode of its parcours, 3
InscriptionSequence (one séquence of its programme per period), a Client
(``411-<code>-``, ``ReferenceId`` = the learner, with its own e-mail record) and its
ClientPourAffaire link.  One learner in ten also has a Convention on one of its
type-S séquences, with its own Entreprise.  The generated referential: 10
programmes, 500 parcours × 3 ParcoursPeriode with one voie d'entrée each (and its
référence externe), 6 TypeSequence (3 codes starting with ``S``), 2,000 séquences.

The samples file (JSON) lists real ids and addresses for the load scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sqlite3
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scolarite.model import schema
from scolarite.schema.values import CREATE, check_values
from scolarite.store import migrate, referentials
from scolarite.store.credentials import Credentials
from scolarite.store.db import Database, database_url
from scolarite.store.tables import OBJECT_SET, SET_COLUMN

GENERATOR_VERSION = 1
BENCH_LOGIN = BENCH_PASSWORD = "bench"
CHUNK = 5_000  # learners per transaction
BATCH = 5_000  # rows per executemany
SAMPLE_SIZE = 10_000

# -- reference values of the demo referentials (src/scolarite/demo/referentials.yaml) ------------------
CIVILITE_M, CIVILITE_MME = 1541, 1540
FRANCE = 1155
OTHER_COUNTRIES = [3000010, 3000011, 3000012, 3000013, 3000014, 3000018, 3000019, 3000020, 3000021, 3000022]
REGIMES = [(544, 60), (345751, 25), (56648, 10), (56647, 5)]  # Etudiant, Apprenti, Contrat pro, FC
ETATS = [(1301, 70), (78736, 20), (493208, 10)]  # En cours de scolarité, Admis, En cours d'inscription
SOCIETE_SCOLARITE = 2215501
NATURE_APPRENANT = 2214750
CAMPUSES = [2215156, 2215651, 2215683, 1234567, 1234569]
ECOLES = [2215157, 2215112, 2215530]
TYPES_CONVENTION = [(334222, "STG"), (334224, "APP"), (334223, "PRO")]
ETAT_CONVENTION_SAISIE = 334217
MODE_CDD = 3000701
# The demo's school years 2015/2016 .. 2027/2028, in order.
PERIODES = [1318, 1319, 3000040, 3000041, 3000042, 3000043, 3000044, 3000045, 1326, 1327, 2215069, 3000046, 3000047]

# -- the generated referential --------------------------------------------------------------------------
PROGRAMMES = [
    ("MSC-FIN", "MSc Finance d'entreprise"),
    ("MSC-MKT", "MSc Marketing digital"),
    ("BACH-COM", "Bachelor Commerce international"),
    ("BACH-RH", "Bachelor Ressources humaines"),
    ("MBA-EXE", "Executive MBA"),
    ("BTS-MCO", "BTS Management commercial opérationnel"),
    ("BTS-NDRC", "BTS Négociation et digitalisation de la relation client"),
    ("LP-LOG", "Licence professionnelle Logistique"),
    ("MS-DATA", "Mastère Data et intelligence artificielle"),
    ("TP-RP", "Titre professionnel Responsable de projet"),
]
VARIANTS = ["Paris", "Lyon", "Marseille", "Alternance", "Initial"]
# 6 types of séquence, 3 whose Code starts with S (eligible to conventions), alternating.
TYPES_SEQUENCE = [
    ("STG", "Stage en entreprise", True),
    ("ENS", "Enseignements", False),
    ("SALT", "Période en alternance", True),
    ("PROJ", "Projet tutoré", False),
    ("SEJ", "Séjour d'études à l'étranger", True),
    ("EXAM", "Examens", False),
]
N_PARCOURS = 500
N_SEQUENCES = 2_000

SURNAMES = """MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY
ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFEVRE FAURE
ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN
NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOEL MEYER DUFOUR MEUNIER
BRUN BLANCHARD GIRAUD JOLY RIVIERE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD ROCHE RENARD SCHMITT ROY
LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE
BENOIT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER
SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER
MARTY AUBRY GUYOT CARRE CHARLES RENAULT CHARPENTIER MENARD MAILLARD BARON BERTIN BAILLY HERVE SCHNEIDER FERNANDEZ
LE_GALL COLLET LEGER BOUVIER JULIEN PREVOST MILLET PERROT DANIEL LE_ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS
REMY LE_GOFF PELLETIER LEVEQUE PERRIER LEBLANC BARRE LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER
MICHAUD RODRIGUEZ GUICHARD GILLET ETIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN DA_SILVA BOUCHET
GAY LEMAITRE BENARD MARECHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET BARTHELEMY CORDIER PICHON LEJEUNE GILBERT
LAMY DELAUNAY PASQUIER CARLIER LAPORTE NGUYEN DIALLO TRAORE BENALI HADDAD O'BRIEN DA_COSTA N'DIAYE""".split()
SURNAMES = [s.replace("_", " ") for s in SURNAMES]
MALE = """Lucas Hugo Louis Gabriel Arthur Jules Raphaël Adam Léo Nathan Ethan Paul Tom Noah Sacha Maël Gabin Théo
Mathis Enzo Timéo Baptiste Clément Maxime Antoine Alexandre Thomas Quentin Nicolas Romain Julien Mehdi Yanis
Rayan Karim Amine Kylian Noé Éloi Côme""".split()
FEMALE = """Emma Jade Louise Alice Chloé Lina Léa Rose Anna Mila Inès Ambre Julia Mia Léna Manon Juliette Lou Zoé
Camille Sarah Clara Eva Inaya Agathe Romane Lucie Margaux Pauline Mathilde Marie Océane Yasmine Aïcha Fatou
Élise Maëlle Anaïs Noémie Héloïse""".split()
DOMAINS = [
    "gmail.com",
    "orange.fr",
    "free.fr",
    "hotmail.fr",
    "outlook.fr",
    "yahoo.fr",
    "laposte.net",
    "sfr.fr",
    "icloud.com",
    "etu.ecole.fr",
]
COMPANIES = [
    "Boulangerie",
    "Garage",
    "Cabinet",
    "Agence",
    "Transports",
    "Pharmacie",
    "Hôtel",
    "Atelier",
    "Société",
    "Groupe",
    "Laboratoire",
    "Imprimerie",
    "Menuiserie",
    "Conseil",
    "Logistique",
]
POSTES = [
    "Assistant marketing",
    "Chargé de clientèle",
    "Assistant RH",
    "Comptable junior",
    "Développeur",
    "Chef de projet junior",
    "Commercial sédentaire",
    "Gestionnaire logistique",
    "Analyste financier",
]
NAF = ["4711D", "4520A", "6920Z", "7311Z", "4941A", "4773Z", "5510Z", "6201Z", "7022Z", "5210B"]


def utc(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    """A naive UTC datetime, as the server stores them (Paris midnight = 22:00/23:00 UTC the day before)."""
    return dt.datetime(year, month, day, hour) - dt.timedelta(hours=2 if 4 <= month <= 10 else 1)


def ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


class Bulk:
    """Rows built from the entity declarations, written in bulk with ids from the Object registry."""

    def __init__(self, db: Database, first_id: int):
        self.db = db
        self.next_id = first_id
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.objects: list[dict] = []
        self.written: Counter = Counter()
        self.started = time.perf_counter()
        self._templates: dict[str, dict] = {}
        self._checked: set[str] = set()
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        self.object_entity = schema.entity(OBJECT_SET)

    def template(self, set_name: str) -> dict:
        tpl = self._templates.get(set_name)
        if tpl is None:
            entity = schema.entity(set_name)
            tpl = {name: prop.default for name, prop in entity.properties.items() if not prop.key}
            self._templates[set_name] = tpl
        return tpl

    def add(self, set_name: str, **values: Any) -> int:
        """Queue a new entity of ``set_name``; returns its id (drawn from the Object registry)."""
        entity = schema.entity(set_name)
        unknown = set(values) - set(entity.properties)
        if unknown:
            raise KeyError(f"{set_name} has no properties {sorted(unknown)}")
        if set_name not in self._checked:
            self._check(entity, values)
        key = self.next_id
        self.next_id += 1
        row = dict(self.template(set_name))
        row.update(values)
        row[entity.key.name] = key
        for name, value in row.items():  # mutable defaults must not be shared between rows
            if isinstance(value, list):
                row[name] = list(value)
        self.rows[set_name].append(row)
        obj = dict(self.template(OBJECT_SET))
        obj.update(
            Id=key,
            DateCreation=self.now,
            DateModification=self.now,
            Actif=True,
            Type=entity.__legacy__ or entity.__entity_set__,
        )
        obj[SET_COLUMN] = entity.__entity_set__
        self.objects.append(obj)
        return key

    def _check(self, entity, values: dict) -> None:
        """Validate the first row of each entity set against its declaration, like an API body."""
        body = {k: (v.isoformat() + "Z" if isinstance(v, dt.datetime) else v) for k, v in values.items()}
        check_values(entity, body, CREATE)
        self._checked.add(entity.__entity_set__)

    @property
    def pending(self) -> int:
        return len(self.objects) + sum(len(r) for r in self.rows.values())

    async def flush(self, conn) -> None:
        batches = [(self.db.tables[OBJECT_SET], self.objects)] + [
            (self.db.table(schema.entity(name)), rows) for name, rows in self.rows.items()
        ]
        for table, rows in batches:
            for i in range(0, len(rows), BATCH):
                await conn.execute(sa.insert(table), rows[i : i + BATCH])
            self.written[table.name] += len(rows)
        self.objects = []
        self.rows = defaultdict(list)

    @property
    def total(self) -> int:
        return sum(self.written.values())

    def rate(self) -> float:
        return self.total / max(time.perf_counter() - self.started, 1e-9)


def weighted(rng: random.Random, pairs: list[tuple[int, int]]) -> int:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


async def _write(db: Database, bulk: Bulk) -> None:
    async with db.engine.connect() as raw:
        conn = await raw.execution_options(write=True)
        async with conn.begin():
            await bulk.flush(conn)


def _log(msg: str) -> None:
    print(msg, flush=True)


async def generate(url: str, learners: int, samples_path: Path | None = None, seed: int = 42) -> dict:
    """Create the schema, load the demo referentials, generate the data; returns the samples."""
    rng = random.Random(seed)
    db = Database(schema, database_url(url))
    t0 = time.perf_counter()
    try:
        await migrate.upgrade(db)
        counts = await referentials.load(db, schema, referentials.demo_file())
        _log(f"schema migrated, {sum(counts.values())} demo reference rows loaded ({time.perf_counter() - t0:.1f} s)")
        creds = Credentials(db)
        if await creds.check_basic(BENCH_LOGIN, BENCH_PASSWORD) is None:
            await creds.replace_basic(BENCH_LOGIN, BENCH_PASSWORD)
        obj = db.tables[OBJECT_SET]
        async with db.engine.connect() as conn:
            max_id = (await conn.execute(sa.select(sa.func.max(obj.c.Id)))).scalar_one() or 0
            periodes = {r.Id: r for r in (await conn.execute(sa.select(db.table(schema.entity("Periode"))))).all()}
        bulk = Bulk(db, first_id=(max_id // 1_000_000 + 1) * 1_000_000)  # ids start on a round number

        ref = _referential(bulk, rng, periodes)
        await _write(db, bulk)
        _log(
            f"referential: {len(ref['programmes'])} programmes, {len(ref['parcours'])} parcours, "
            f"{N_SEQUENCES} séquences over {len(TYPES_SEQUENCE)} types"
        )

        samples: dict[str, list] = defaultdict(list)
        learner_ids: list[int] = []
        addresses: list[str] = []
        with_s: list[int] = []
        conventions = 0
        cum, total = [], 0.0
        for rank in range(len(SURNAMES)):  # Zipf-like: a few very common names, a long tail
            total += 1 / (rank + 1) ** 0.9
            cum.append(total)
        started = time.perf_counter()
        for start in range(0, learners, CHUNK):
            for i in range(start, min(start + CHUNK, learners)):
                n = i + 1
                male = rng.random() < 0.48
                nom = rng.choices(SURNAMES, cum_weights=cum)[0]
                prenom = rng.choice(MALE if male else FEMALE)
                address = f"{ascii_slug(prenom)}.{ascii_slug(nom)}.{n}@{rng.choice(DOMAINS)}"
                mail = bulk.add("Mail", Adresse=address, IsDuplicate=False)
                individu = bulk.add("Individu", Nom=nom, Code="")
                code = f"A{n:05d}"
                foreign = rng.random() < 0.12
                learner = bulk.add(
                    "Apprenant",
                    Nom=nom,
                    Code=code,
                    Prenoms=prenom,
                    CiviliteId=CIVILITE_M if male else CIVILITE_MME,
                    MailId=mail,
                    IndividuId=individu,
                    GenreMale=male,
                    DateNaissance=utc(rng.randint(1994, 2007), rng.randint(1, 12), rng.randint(1, 28)),
                    Nationalite1Id=rng.choice(OTHER_COUNTRIES) if foreign else FRANCE,
                    PaysNaissanceId=rng.choice(OTHER_COUNTRIES) if foreign else FRANCE,
                    HasChosenRGPD=True,
                    AutoriseCRM=rng.random() < 0.6,
                )
                parcours = rng.choice(ref["parcours"])
                programme = parcours["programme"]
                regime, etat = weighted(rng, REGIMES), weighted(rng, ETATS)
                year = parcours["years"][0]
                affaire = bulk.add("Affaire", Nom=nom, Code=f"C{n:05d}", EntiteJuridiqueId=programme["campus"])
                inscription = bulk.add(
                    "Inscription",
                    EntiteJuridiqueId=programme["campus"],
                    AffaireId=affaire,
                    ApprenantId=learner,
                    ProgrammeId=programme["id"],
                    RecrutementId=parcours["recrutement"],
                    EtatInscriptionId=etat,
                    RegimeInscriptionId=regime,
                    DateInscription=utc(year, rng.randint(3, 9), rng.randint(1, 28), 10),
                )
                conv = n % 10 == 0
                chosen = []
                for rank, periode_id in enumerate(parcours["periodes"]):
                    p = periodes[periode_id]
                    bulk.add(
                        "InscriptionPeriode",
                        InscriptionId=inscription,
                        PeriodeId=periode_id,
                        RegimeInscriptionId=regime,
                        EtatInscriptionId=etat,
                        AnneeScolaire=rank + 1,
                        LibellePeriode=p.Nom,
                        Debut=p.Debut,
                        Fin=p.Fin,
                    )
                    options = ref["sequences"][(programme["id"], periode_id)]
                    if conv and rank == 0:
                        options = [s for s in options if s["s"]]
                    seq = rng.choice(options)
                    chosen.append(seq)
                    bulk.add("InscriptionSequence", ApprenantId=learner, SequenceId=seq["id"])
                client_mail = bulk.add("Mail", Adresse=address, IsDuplicate=True)
                client = bulk.add(
                    "Client",
                    Nom=nom,
                    Code=f"411-{code}-",
                    Prenoms=prenom,
                    NomUsage=nom,
                    MailId=client_mail,
                    EntiteJuridiqueId=SOCIETE_SCOLARITE,
                    NatureClientId=NATURE_APPRENANT,
                    ReferenceId=learner,
                )
                bulk.add("ClientPourAffaire", AffaireId=affaire, ClientId=client, Principal=True)
                if conv:
                    conventions += 1
                    seq = chosen[0]
                    kind, kind_code = rng.choice(TYPES_CONVENTION)
                    company = f"{rng.choice(COMPANIES)} {rng.choice(SURNAMES).title()} {conventions}"
                    entreprise = bulk.add(
                        "Entreprise",
                        Nom=company,
                        SIRET=f"{rng.randint(100_000_000, 999_999_999)}{conventions:05d}",
                        NAF=rng.choice(NAF),
                        Effectif=rng.choice(["1-9", "10-49", "50-249", "250+"]),
                    )
                    bulk.add(
                        "Convention",
                        Code=f"CS{conventions:08d}",
                        ApprenantId=learner,
                        SequenceId=seq["id"],
                        EntrepriseId=entreprise,
                        TypeConventionId=kind,
                        EtatConventionId=ETAT_CONVENTION_SAISIE,
                        NatureContratId=MODE_CDD if kind_code == "APP" else 0,
                        Poste=rng.choice(POSTES),
                        DateDebut=seq["debut"],
                        DateFin=seq["fin"],
                        DateConclusion=seq["debut"],
                        Remuneration=round(rng.uniform(600, 1800), 2),
                        NbHeureFormation=float(rng.randint(150, 600)),
                    )
                learner_ids.append(learner)
                addresses.append(address)
                if any(s["s"] for s in chosen):
                    with_s.append(learner)
            await _write(db, bulk)
            done = min(start + CHUNK, learners)
            elapsed = time.perf_counter() - started
            _log(
                f"  {done:>9,} / {learners:,} learners  {bulk.total:>11,} rows  {bulk.rate():>8,.0f} rows/s  "
                f"{done / elapsed:>7,.0f} learners/s"
            )

        await _finish(db, learners, conventions)
        elapsed = time.perf_counter() - t0
        _log(f"generated {bulk.total:,} rows in {elapsed:.1f} s ({bulk.total / elapsed:,.0f} rows/s overall)")
        for name, n in sorted(bulk.written.items()):
            _log(f"  {name:<22} {n:>10,}")

        def pick(values: list, k: int = SAMPLE_SIZE) -> list:
            return values if len(values) <= k else rng.sample(values, k)

        samples = {
            "generator_version": GENERATOR_VERSION,
            "learners_count": learners,
            "login": BENCH_LOGIN,
            "password": BENCH_PASSWORD,
            "learner_ids": pick(learner_ids),
            "mail_addresses": pick(addresses),
            "parcours_ids": [p["id"] for p in ref["parcours"]],
            "learner_ids_with_s": pick(with_s),
            "rows": dict(bulk.written),
            "seconds": round(elapsed, 1),
        }
        if samples_path is not None:
            samples_path.parent.mkdir(parents=True, exist_ok=True)
            samples_path.write_text(json.dumps(samples, ensure_ascii=False))
        return samples
    finally:
        await db.dispose()


def _referential(bulk: Bulk, rng: random.Random, periodes: dict) -> dict:
    """Programmes, parcours (and their periods and voies d'entrée), types of séquence and séquences."""
    programmes = []
    for i, (code, nom) in enumerate(PROGRAMMES):
        campus = CAMPUSES[i % len(CAMPUSES)]
        pid = bulk.add(
            "Programme",
            Nom=nom,
            Code=code,
            EntiteJuridiqueId=campus,
            EcoleId=ECOLES[i % len(ECOLES)],
            IntitulePrecisDiplomeCERFA=nom,
            CodeDroit=code,
            CodeAnalytique=code,
            Marque="Ecole",
            AgeMin=16,
            AgeMax=99,
            NbAnnee=3,
            LibelleExterne=nom,
            LibelleRNCP=nom,
            CodeRNCP=f"{30000 + i}",
            Parametres=[{"Id": 0, "Code": "DIPLOM", "Valeur": ""}],
        )
        for regime, name, societe in ((544, "Etudiant", SOCIETE_SCOLARITE), (345751, "Apprenti", 1234567)):
            bulk.add(
                "ProgrammeRegime",
                Nom=name,
                EntiteJuridiqueId=societe,
                ProgrammeId=pid,
                RegimeInscriptionId=regime,
                TauxTVA=0.0,
            )
        programmes.append({"id": pid, "code": code, "campus": campus})
    types = [(bulk.add("TypeSequence", Nom=nom, Code=code), is_s) for code, nom, is_s in TYPES_SEQUENCE]
    periode_years = [periodes[p].Nom for p in PERIODES]  # "2015/2016", …
    parcours = []
    combos = [(y, v) for y in range(len(PERIODES) - 2) for v in VARIANTS]
    for k in range(N_PARCOURS):
        programme = programmes[k % len(programmes)]
        start, variant = combos[(k // len(programmes)) % len(combos)]
        y1 = int(periode_years[start][:4])
        label = f"{y1 % 100:02d}-{(y1 + 3) % 100:02d}"
        pid = bulk.add("Parcours", Nom=f"{label} {programme['code']} {variant}", Code="", ProgrammeId=programme["id"])
        chosen = PERIODES[start : start + 3]
        for rank, periode_id in enumerate(chosen):
            p = periodes[periode_id]
            bulk.add(
                "ParcoursPeriode",
                Nom=p.Nom,
                Code="",
                ParcoursId=pid,
                PeriodeId=periode_id,
                AnneeScolaire=rank + 1,
                LibellePeriode=p.Nom,
                Debut=p.Debut,
                Fin=p.Fin,
            )
        # The voie d'entrée of this parcours, visible through its référence externe (R33).
        rid = bulk.next_id + 1  # the Recrutement is added right after its ReferenceExterne
        refid = bulk.add(
            "ReferenceExterne",
            Reference=f"VOIE_{programme['code']}_{label}_{ascii_slug(variant)}",
            Type="inscription.T_RECRUTEMENT",
            IdObjet=rid,
        )
        rec = bulk.add(
            "Recrutement",
            Nom=f"{label} Voie d’entrée {programme['code']} {variant}",
            Code="",
            ProgrammeId=programme["id"],
            ParcoursId=pid,
            LibelleExterne=f"Inscription Rentrée {y1}",
            CodesPieces="NOTES/",
            Debut=utc(y1, 3, 1),
            Fin=utc(y1, 12, 1),
            Rentree=utc(y1, 9, 15),
            Diplomant=True,
            ReferenceExterneId=refid,
        )
        assert rec == rid
        parcours.append(
            {"id": pid, "programme": programme, "periodes": chosen, "recrutement": rec, "years": [y1, y1 + 1, y1 + 2]}
        )
    sequences: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for k in range(N_SEQUENCES):
        programme = programmes[k % len(programmes)]
        pi = (k // len(programmes)) % len(PERIODES)
        ti = (k // (len(programmes) * len(PERIODES))) % len(types)
        type_id, is_s = types[ti]
        code, tname, _ = TYPES_SEQUENCE[ti]
        periode_id = PERIODES[pi]
        p = periodes[periode_id]
        debut = p.Debut + dt.timedelta(days=rng.randint(0, 120))
        fin = min(p.Fin, debut + dt.timedelta(days=rng.randint(30, 240)))
        nom = f"{p.Nom[2:4]}-{p.Nom[7:9]} {programme['code']} - {tname.upper()} {k // 130 + 1}"
        sid = bulk.add(
            "Sequence",
            Nom=nom,
            Code="",
            ProgrammeId=programme["id"],
            TypeSequenceId=type_id,
            Debut=debut,
            Fin=fin,
            LibelleExterne=f"{p.Nom} - {tname}",
            LibellePeriode=p.Nom,
            DebutPeriodeCandidature=debut,
            FinPeriodeCandidature=debut,
            MobiliteDebut=debut,
            MobiliteFin=fin,
            Credits=float(rng.choice([2, 3, 5, 6, 10, 30])),
            Coefficient=float(rng.choice([1, 2, 3])),
        )
        sequences[(programme["id"], periode_id)].append({"id": sid, "s": is_s, "debut": debut, "fin": fin})
    return {"programmes": programmes, "parcours": parcours, "sequences": sequences}


async def _finish(db: Database, learners: int, conventions: int) -> None:
    """Move the id sequence and the code counters past the generated rows; refresh planner statistics."""
    counters = db.metadata.tables["scolarite_counter"]
    async with db.engine.connect() as raw:
        conn = await raw.execution_options(write=True)
        async with conn.begin():
            await db.fix_sequences(conn)
            for name, value in (
                ("Apprenant.Code", learners),
                ("Affaire.Code", learners),
                ("Convention.Code", conventions),
            ):
                await conn.execute(sa.delete(counters).where(counters.c.name == name))
                await conn.execute(sa.insert(counters).values(name=name, value=value))
    t = time.perf_counter()
    if db.dialect == "postgresql":
        async with db.engine.connect() as raw:
            conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        path = sa.engine.make_url(db.url).database
        with sqlite3.connect(path, isolation_level=None) as lite:
            lite.execute("ANALYZE")
            lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        lite.close()
    _log(
        f"statistics refreshed ({'VACUUM ANALYZE' if db.dialect == 'postgresql' else 'ANALYZE'}, "
        f"{time.perf_counter() - t:.1f} s)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="SQLAlchemy URL (sqlite:///file.db or postgresql://…)")
    parser.add_argument("--learners", type=int, default=100_000, help="number of learners (default 100,000)")
    parser.add_argument("--samples", type=Path, help="write the sample ids / addresses here (JSON)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    asyncio.run(generate(args.database_url, args.learners, args.samples, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
