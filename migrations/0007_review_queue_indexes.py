"""Indexes for the bureau's review queue: one per sort order and one for its conflict
filter, so each page of the queue (keyset pagination) is a seek into an index instead
of a sort of every row."""


def up(migrator, db):
    migrator.migrate(migrator.add_index('application', ('state', 'submitted_at', 'id')))
    migrator.migrate(migrator.add_index('application', ('state', 'kind', 'due_on', 'id')))
    migrator.migrate(migrator.add_index('application', ('state', 'in_conflict', 'due_on', 'id')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('application', 'application_state_in_conflict_due_on_id'))
    migrator.migrate(migrator.drop_index('application', 'application_state_kind_due_on_id'))
    migrator.migrate(migrator.drop_index('application', 'application_state_submitted_at_id'))
