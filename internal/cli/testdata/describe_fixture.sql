CREATE SCHEMA s2;
COMMENT ON SCHEMA s2 IS 'second schema';
CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL UNIQUE);
COMMENT ON TABLE parent IS 'the parent';
CREATE TABLE t (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code varchar(10) NOT NULL DEFAULT 'x',
  qty numeric(10,2) CHECK (qty >= 0),
  parent_id int REFERENCES parent(id) ON DELETE CASCADE,
  doubled int GENERATED ALWAYS AS (parent_id * 2) STORED,
  note text COLLATE "C",
  created timestamptz DEFAULT now(),
  UNIQUE (code, parent_id)
);
COMMENT ON COLUMN t.code IS 'the code';
CREATE INDEX t_note_idx ON t (note) WHERE note IS NOT NULL;
CREATE INDEX t_lower_idx ON t (lower(note));
CREATE VIEW v AS SELECT id, code FROM t WHERE qty > 1;
CREATE MATERIALIZED VIEW mv AS SELECT id, qty FROM t;
CREATE SEQUENCE seq1 START 5 INCREMENT 2;
CREATE TABLE meas (city int NOT NULL, logdate date NOT NULL, peak int) PARTITION BY RANGE (logdate);
CREATE TABLE meas_2020 PARTITION OF meas FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE meas_2021 PARTITION OF meas FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE TABLE base (a int, b text);
CREATE TABLE child (c int) INHERITS (base);
CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg_fn();
CREATE FUNCTION add2(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
COMMENT ON FUNCTION add2(int, int) IS 'adds';
CREATE FUNCTION gen(n int) RETURNS SETOF int LANGUAGE sql AS 'SELECT generate_series(1, n)';
CREATE FUNCTION tab(OUT x int, OUT y text) RETURNS SETOF record LANGUAGE sql AS 'SELECT 1, ''a''';
CREATE PROCEDURE proc1(x int) LANGUAGE plpgsql AS $$BEGIN END$$;
CREATE AGGREGATE mysum(int) (sfunc = int4pl, stype = int);
CREATE TABLE s2.other (x int, y text);
CREATE TABLE s2."MixedCase" ("Col" int, "a.b" text);
CREATE VIEW s2.ov AS SELECT x FROM s2.other;
CREATE FUNCTION s2.sfn() RETURNS text LANGUAGE sql AS 'SELECT ''x''';
CREATE TABLE "Quoted Tbl" (id int);
CREATE TABLE ab (x int);
CREATE TABLE a_b (x int);
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (l int, r int);
CREATE TABLE base2 (z int);
CREATE TABLE child2 (w int) INHERITS (base, base2);
CREATE UNLOGGED TABLE ulog (a int PRIMARY KEY, b int) WITH (fillfactor = 70);
ALTER TABLE ulog REPLICA IDENTITY FULL;
CREATE STATISTICS ulog_stat (dependencies) ON a, b FROM ulog;
CREATE STATISTICS ulog_stat_all ON a, b FROM ulog;
ALTER TABLE ulog ENABLE ROW LEVEL SECURITY;
CREATE POLICY p_sel ON ulog FOR SELECT TO PUBLIC USING (a > 0);
CREATE POLICY p_res ON ulog AS RESTRICTIVE FOR UPDATE USING (b > 0) WITH CHECK (b < 100);
CREATE RULE ulog_rule AS ON DELETE TO ulog DO INSTEAD NOTHING;
CREATE TABLE excl (x int, y int, EXCLUDE USING btree (x WITH =), CONSTRAINT excl_y UNIQUE (y) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE meas_rest PARTITION OF meas DEFAULT;
CREATE TABLE events (id int, kind text, PRIMARY KEY (id, kind)) PARTITION BY LIST (kind);
CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a') PARTITION BY RANGE (id);
CREATE TABLE events_a1 PARTITION OF events_a FOR VALUES FROM (0) TO (100);
CREATE TABLE evref (eid int, ekind text, FOREIGN KEY (eid, ekind) REFERENCES events);
CREATE TRIGGER ev_trg AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION trg_fn();
CREATE TABLE trgs (a int);
CREATE TRIGGER trg_dis BEFORE UPDATE ON trgs FOR EACH ROW EXECUTE FUNCTION trg_fn();
CREATE TRIGGER trg_always AFTER DELETE ON trgs FOR EACH STATEMENT EXECUTE FUNCTION trg_fn();
ALTER TABLE trgs DISABLE TRIGGER trg_dis;
ALTER TABLE trgs ENABLE ALWAYS TRIGGER trg_always;
CREATE UNIQUE INDEX trgs_a_idx ON trgs (a) INCLUDE (a) NULLS NOT DISTINCT;
CLUSTER trgs USING trgs_a_idx;
CREATE TYPE typ2 AS (p int, q text);
CREATE TABLE typed OF typ2;
CREATE TABLE emptyp (a int) PARTITION BY LIST (a);
CREATE RULE vr AS ON DELETE TO v DO INSTEAD NOTHING;
CREATE PUBLICATION pub1 FOR TABLE t (id, code) WHERE (id > 0);
