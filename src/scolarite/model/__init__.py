"""The GraphV1 model: every entity set of the service, by universe.

Each module declares the entity types of one universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
The blocks several types share (GraphV1.Base's Id, Nom, Code and the person block)
are declared once, in ``abstract``.  The order of registration is the order of the
entity sets in $metadata and in the service document.
"""

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
