# Sourced by the benchmark scripts, not run: one way to start and stop the server under test.
#   serve STORE CACHE_BYTES LOG   starts "$BIN" serve on 127.0.0.1:$PORT, its output to LOG,
#                                 and returns once it answers /health (fails if it exits first)
#   stop                          ends it and waits for it; also run when the script exits
# SERVER_CPUS (a taskset list, e.g. 0) pins the server to those cores; unset, it has them all.
# A SQLite store is served with its file locked in memory (--sqlite-resident), as PostgreSQL's
# benchmark cluster holds its pages in shared buffers; RESIDENT=0 serves it from the file cache.
serve() {
  # Another server on the port would answer /health in this one's place (two scripts at once).
  if curl -s -o /dev/null http://127.0.0.1:$PORT/health; then echo "port $PORT is taken: is another benchmark running?" >&2; exit 1; fi
  local resident=
  case "$1" in sqlite://*) [ "${RESIDENT:-1}" = 0 ] || resident=--sqlite-resident ;; esac
  ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$BIN" serve --database-url "$1" --listen 127.0.0.1:$PORT --cache-bytes "$2" $resident > "$3" 2>&1 &
  pid=$!
  until curl -sf http://127.0.0.1:$PORT/health > /dev/null; do
    kill -0 $pid 2> /dev/null || { pid=; echo "the server exited at start: see $3" >&2; exit 1; }
    sleep 0.2
  done
}
stop() { [ -n "${pid:-}" ] && kill $pid && wait $pid 2> /dev/null; pid=; }
trap stop EXIT
