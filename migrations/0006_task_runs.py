"""The task log (task_run): the huey consumer's record of each task it ran."""
from peewee import *


def up(migrator, db):
    class TaskRun(Model):
        task_id = CharField(unique=True)
        name = CharField(index=True)
        args = TextField(default='')
        periodic = BooleanField(default=False)
        state = CharField()
        attempts = IntegerField(default=0)
        error = TextField(default='')
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'task_run'
            indexes = ((('state', 'updated_at'), False),)

    db.create_tables([TaskRun])


def down(migrator, db):
    db.execute_sql('DROP TABLE task_run')
