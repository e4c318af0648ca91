-- Bookkeeping of bulk loads: `index:NAME` (and on PostgreSQL `fk:TABLE:NAME`) hold the
-- definitions of the secondary indexes and foreign keys that a load drops (bulk inserts into
-- bare tables are several times faster) until it rebuilds them, within the load's transaction.
CREATE TABLE atelier_state (
    key text PRIMARY KEY,
    value text NOT NULL
);
