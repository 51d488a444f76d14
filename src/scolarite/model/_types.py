"""Complex types shared by several entity types."""

from scolarite.schema import edm

# Custom fields of Programme, Dossier, EntiteJuridique, Ecole: {Id, Code, Valeur}
# (Id is always 0 in the documented bodies, R37, R96).
PARAMETRE = {"Id": edm.Int64, "Code": edm.String, "Valeur": edm.String}

# Campus.Adresse is a value, not a reference to an Adresse entity.
CAMPUS_ADRESSE = {"Voie": edm.String, "CodePostal": edm.String, "Ville": edm.String, "Pays": edm.String}
