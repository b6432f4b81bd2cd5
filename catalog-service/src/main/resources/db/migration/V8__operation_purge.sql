-- Ended operations are purged after gallery.catalog.operation-retention (OperationPurger): found by their end.
CREATE INDEX operation_ended ON operation (end_time) WHERE status <> 'InProgress';
