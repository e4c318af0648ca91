-- Bookkeeping of bulk loads. `load` is 'incomplete' from the start of a load until it has
-- finished, so an interrupted load is never mistaken for data; `index:NAME` holds the
-- definitions of the secondary indexes a load drops (inserts into bare tables are much
-- faster) until it has rebuilt them.
CREATE TABLE atelier_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
