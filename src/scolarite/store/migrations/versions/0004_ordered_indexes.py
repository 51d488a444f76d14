"""ordered indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:03:00.796426
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('Apprenant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Apprenant_Code'))
        batch_op.drop_index(batch_op.f('ix_Apprenant_Nom'))
        batch_op.drop_index(batch_op.f('ix_Apprenant_Prenoms'))
        batch_op.create_index('ix_Apprenant_Code_Id', ['Code', 'Id'], unique=False)
        batch_op.create_index('ix_Apprenant_Nom_Id', ['Nom', 'Id'], unique=False)
        batch_op.create_index('ix_Apprenant_Prenoms_Id', ['Prenoms', 'Id'], unique=False)

    with op.batch_alter_table('Candidat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Candidat_Nom'))
        batch_op.drop_index(batch_op.f('ix_Candidat_Numero'))
        batch_op.create_index('ix_Candidat_Nom_Id', ['Nom', 'Id'], unique=False)
        batch_op.create_index('ix_Candidat_Numero_Id', ['Numero', 'Id'], unique=False)

    with op.batch_alter_table('Client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Client_ReferenceId'))
        batch_op.create_index('ix_Client_ReferenceId_Id', ['ReferenceId', 'Id'], unique=False)

    with op.batch_alter_table('Commentaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Commentaire_Reference'))
        batch_op.create_index('ix_Commentaire_Reference_Id', ['Reference', 'Id'], unique=False)

    with op.batch_alter_table('Convention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Convention_Code'))
        batch_op.create_index('ix_Convention_Code_Id', ['Code', 'Id'], unique=False)

    with op.batch_alter_table('Directory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Directory_Path'))
        batch_op.create_index('ix_Directory_Path_Streamid', ['Path', 'Streamid'], unique=False)

    with op.batch_alter_table('Dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Dossier_Code'))
        batch_op.create_index('ix_Dossier_Code_Id', ['Code', 'Id'], unique=False)

    with op.batch_alter_table('Mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Mail_Adresse'))
        batch_op.create_index('ix_Mail_Adresse_Id', ['Adresse', 'Id'], unique=False)

    with op.batch_alter_table('Recrutement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Recrutement_ReferenceExterneId'))
        batch_op.create_index('ix_Recrutement_ReferenceExterneId_Id', ['ReferenceExterneId', 'Id'], unique=False)

    with op.batch_alter_table('ReferenceExterne', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ReferenceExterne_IdObjet'))
        batch_op.drop_index(batch_op.f('ix_ReferenceExterne_Type'))
        batch_op.create_index('ix_ReferenceExterne_IdObjet_Id', ['IdObjet', 'Id'], unique=False)
        batch_op.create_index('ix_ReferenceExterne_Type_Id', ['Type', 'Id'], unique=False)

    with op.batch_alter_table('TypeSequence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_TypeSequence_Code'))
        batch_op.create_index('ix_TypeSequence_Code_Id', ['Code', 'Id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('TypeSequence', schema=None) as batch_op:
        batch_op.drop_index('ix_TypeSequence_Code_Id')
        batch_op.create_index(batch_op.f('ix_TypeSequence_Code'), ['Code'], unique=False)

    with op.batch_alter_table('ReferenceExterne', schema=None) as batch_op:
        batch_op.drop_index('ix_ReferenceExterne_Type_Id')
        batch_op.drop_index('ix_ReferenceExterne_IdObjet_Id')
        batch_op.create_index(batch_op.f('ix_ReferenceExterne_Type'), ['Type'], unique=False)
        batch_op.create_index(batch_op.f('ix_ReferenceExterne_IdObjet'), ['IdObjet'], unique=False)

    with op.batch_alter_table('Recrutement', schema=None) as batch_op:
        batch_op.drop_index('ix_Recrutement_ReferenceExterneId_Id')
        batch_op.create_index(batch_op.f('ix_Recrutement_ReferenceExterneId'), ['ReferenceExterneId'], unique=False)

    with op.batch_alter_table('Mail', schema=None) as batch_op:
        batch_op.drop_index('ix_Mail_Adresse_Id')
        batch_op.create_index(batch_op.f('ix_Mail_Adresse'), ['Adresse'], unique=False)

    with op.batch_alter_table('Dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_Dossier_Code_Id')
        batch_op.create_index(batch_op.f('ix_Dossier_Code'), ['Code'], unique=False)

    with op.batch_alter_table('Directory', schema=None) as batch_op:
        batch_op.drop_index('ix_Directory_Path_Streamid')
        batch_op.create_index(batch_op.f('ix_Directory_Path'), ['Path'], unique=False)

    with op.batch_alter_table('Convention', schema=None) as batch_op:
        batch_op.drop_index('ix_Convention_Code_Id')
        batch_op.create_index(batch_op.f('ix_Convention_Code'), ['Code'], unique=False)

    with op.batch_alter_table('Commentaire', schema=None) as batch_op:
        batch_op.drop_index('ix_Commentaire_Reference_Id')
        batch_op.create_index(batch_op.f('ix_Commentaire_Reference'), ['Reference'], unique=False)

    with op.batch_alter_table('Client', schema=None) as batch_op:
        batch_op.drop_index('ix_Client_ReferenceId_Id')
        batch_op.create_index(batch_op.f('ix_Client_ReferenceId'), ['ReferenceId'], unique=False)

    with op.batch_alter_table('Candidat', schema=None) as batch_op:
        batch_op.drop_index('ix_Candidat_Numero_Id')
        batch_op.drop_index('ix_Candidat_Nom_Id')
        batch_op.create_index(batch_op.f('ix_Candidat_Numero'), ['Numero'], unique=False)
        batch_op.create_index(batch_op.f('ix_Candidat_Nom'), ['Nom'], unique=False)

    with op.batch_alter_table('Apprenant', schema=None) as batch_op:
        batch_op.drop_index('ix_Apprenant_Prenoms_Id')
        batch_op.drop_index('ix_Apprenant_Nom_Id')
        batch_op.drop_index('ix_Apprenant_Code_Id')
        batch_op.create_index(batch_op.f('ix_Apprenant_Prenoms'), ['Prenoms'], unique=False)
        batch_op.create_index(batch_op.f('ix_Apprenant_Nom'), ['Nom'], unique=False)
        batch_op.create_index(batch_op.f('ix_Apprenant_Code'), ['Code'], unique=False)

