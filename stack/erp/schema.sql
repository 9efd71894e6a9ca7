-- Sample ERP schema for the erp-delta local stack (database "erp").
--
-- Plain SQL, no psql meta-commands: it can be run by psql or sent as one
-- simple query by the `pg` client. Safe to run again (IF NOT EXISTS / OR REPLACE).
--
-- Replica identity: left at DEFAULT (primary key) on purpose, as in most real
-- ERP databases. Debezium then sends `before: null` on an UPDATE, `before` with
-- the key columns only (others null) on a DELETE, and a TOASTed column (a value
-- over ~2 kB) that an UPDATE leaves unchanged as "__debezium_unavailable_value".
-- The tracker never needs `before`: it compares the new row with its loaded
-- record. FULL would add WAL volume for nothing erp-delta uses.
--
-- updated_at: a BEFORE UPDATE trigger sets it to now() on every UPDATE, as ERP
-- systems usually do. So `UPDATE customers SET name = name` still changes
-- updated_at and still produces an `op: u` event: realistic noise that an
-- entity not tracking updated_at must ignore.
--
-- The Debezium connector (connectors/erp-postgres.json) creates its own
-- publication for these tables (publication.autocreate.mode=filtered) and
-- keeps it in step with table.include.list (ALTER PUBLICATION ... SET TABLE).

BEGIN;

CREATE TABLE IF NOT EXISTS customers (
  code            text PRIMARY KEY,
  name            text,
  address         text,
  city            text,
  sales_rep_code  text,
  credit_limit    numeric(12,2),
  updated_at      timestamptz DEFAULT now()
);

CREATE TABLE IF NOT EXISTS products (
  code        text PRIMARY KEY,
  description text,
  unit_price  numeric(12,2),
  active      boolean,
  updated_at  timestamptz DEFAULT now()
);

CREATE TABLE IF NOT EXISTS stock_levels (
  product_code   text,
  warehouse_code text,
  quantity       numeric(12,3),
  updated_at     timestamptz DEFAULT now(),
  PRIMARY KEY (product_code, warehouse_code)
);

-- Not an ERP table: Debezium's signalling table (signal.data.collection).
-- PostgreSQL incremental snapshots need it even when the signal itself comes
-- through the Kafka channel (topic erp-delta.signals): Debezium writes its
-- snapshot-window watermarks here. Debezium adds it to the publication itself;
-- the connector's Filter transform drops its change events, so it gets no topic.
-- Example, re-read customers without a restart:
--   INSERT INTO debezium_signal VALUES ('resnap-1', 'execute-snapshot',
--     '{"data-collections": ["public.customers"], "type": "incremental"}');
CREATE TABLE IF NOT EXISTS debezium_signal (
  id   text PRIMARY KEY,
  type text NOT NULL,
  data text
);

CREATE INDEX IF NOT EXISTS customers_sales_rep_code_idx ON customers (sales_rep_code);

CREATE OR REPLACE FUNCTION erp_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER customers_touch_updated_at
  BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION erp_touch_updated_at();
CREATE OR REPLACE TRIGGER products_touch_updated_at
  BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION erp_touch_updated_at();
CREATE OR REPLACE TRIGGER stock_levels_touch_updated_at
  BEFORE UPDATE ON stock_levels FOR EACH ROW EXECUTE FUNCTION erp_touch_updated_at();

COMMIT;
