-- Several instances: the outbox is relayed in the order rows were written, by a number the database hands out at the
-- insert, not by the writer's clock (created_at comes from the JVM that wrote the row: two instances' clocks differ,
-- and a tie went by the random id). For one resource, the row of a later change is inserted after the earlier change
-- committed (its row lock), so the number follows commit order. Rows waiting at the upgrade keep their old order.
CREATE SEQUENCE outbox_seq;
ALTER TABLE outbox ADD COLUMN seq bigint;
UPDATE outbox o SET seq = n.rn
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS rn FROM outbox) n
WHERE o.id = n.id;
SELECT setval('outbox_seq', COALESCE((SELECT max(seq) FROM outbox), 0) + 1, false);
ALTER TABLE outbox ALTER COLUMN seq SET DEFAULT nextval('outbox_seq'), ALTER COLUMN seq SET NOT NULL;
ALTER SEQUENCE outbox_seq OWNED BY outbox.seq;
CREATE INDEX outbox_by_seq ON outbox (seq);
DROP INDEX outbox_order;
