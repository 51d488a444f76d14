"""The GraphV1 model: every entity set of the service, by universe."""

from scolarite.schema import Schema

from . import admission, core, file, finance, inscription, pedagogie, relation_entreprise

schema = Schema("GraphV1")
schema.register(*core.ENTITIES)
schema.register(*file.ENTITIES)
schema.register(*inscription.ENTITIES)
schema.register(*finance.ENTITIES)
schema.register(*relation_entreprise.ENTITIES)
schema.register(*pedagogie.ENTITIES)
schema.register(*admission.ENTITIES)
schema.validate()
