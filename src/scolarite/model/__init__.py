"""The GraphV1 model: every entity set of the service, by universe."""

from scolarite.odata.schema import Schema

from . import core, file, inscription, finance, relation_entreprise, pedagogie, admission

schema = Schema("GraphV1")
schema.register(*core.ENTITIES)
schema.register(*file.ENTITIES)
schema.register(*inscription.ENTITIES)
schema.register(*finance.ENTITIES)
schema.register(*relation_entreprise.ENTITIES)
schema.register(*pedagogie.ENTITIES)
schema.register(*admission.ENTITIES)
schema.validate()
