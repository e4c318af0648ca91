-- Bookkeeping of bulk loads. `load` is 'incomplete' from the start of a load until it has
-- finished, so an interrupted load is never mistaken for data; `index:NAME` and
-- `fk:TABLE:NAME` hold the definitions of the secondary indexes and foreign keys a load drops
-- (COPY into bare tables is several times faster) until it has rebuilt them.
CREATE TABLE atelier_state (
    key text PRIMARY KEY,
    value text NOT NULL
);
