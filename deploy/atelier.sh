#!/usr/bin/env bash
# The whole deployment on this machine, from Debian's packages (installed when missing): a
# PostgreSQL primary and a streaming replica of it (pg_basebackup -R), Redis, N Atelier
# instances reading from the replica, writing to the primary and sharing Redis, nginx balancing
# them, and Prometheus scraping every instance.
#
#   deploy/atelier.sh up [N]        bring it all up (N instances, default 2), with a demo catalogue
#   deploy/atelier.sh restart K     restart instance K (SIGTERM, drain, start, wait until ready)
#   deploy/atelier.sh status        what runs where
#   deploy/atelier.sh down          stop everything and delete its data
#
# Settings (environment): BIN (the atelier binary; default target/release/atelier, built when
# missing), DIR (everything it writes; default /tmp/atelier-deploy), BASE (ports: nginx on
# BASE, instance K on BASE+K with its metrics on BASE+100+K, the primary on BASE+50, the
# replica on BASE+51, Redis on BASE+60, Prometheus on BASE+90; default 7100), PRODUCTS (demo
# catalogue size; default 10000). Every port is bound to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=$(realpath -m "${DIR:-/tmp/atelier-deploy}")
BASE=${BASE:-7100}
PRODUCTS=${PRODUCTS:-10000}
# The binary `up` used, for `restart`.
BIN=${BIN:-$(cat "$DIR/bin" 2>/dev/null || echo target/release/atelier)}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
NGINX_PORT=$BASE
PRIMARY_PORT=$((BASE + 50))
REPLICA_PORT=$((BASE + 51))
REDIS_PORT=$((BASE + 60))
PROMETHEUS_PORT=$((BASE + 90))
DB=atelier
PRIMARY_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB"
REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/$DB"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root: its programs run as the packages' postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
log() { echo "deploy: $*"; }

install_missing() {
  local missing=""
  [ -n "$PG_BIN" ] || missing="$missing postgresql"
  command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
  [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
  command -v prometheus >/dev/null 2>&1 || missing="$missing prometheus"
  command -v curl >/dev/null 2>&1 || missing="$missing curl"
  if [ -n "$missing" ]; then
    log "installing$missing"
    as_root apt-get update -qq
    # shellcheck disable=SC2086 # the list is meant to split into packages
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
}

# Waits until `curl URL` succeeds, for at most $2 seconds.
wait_http() {
  local url=$1 seconds=${2:-30}
  for _ in $(seq 1 $((seconds * 10))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "deploy: $url did not answer within ${seconds}s" >&2
  return 1
}

instances() { cat "$DIR/instances" 2>/dev/null || echo 0; }

start_instance() {
  local k=$1
  local port=$((BASE + k)) metrics=$((BASE + 100 + k))
  "$BIN" serve --database-url "$PRIMARY_URL" --read-url "$REPLICA_URL" \
    --redis-url "redis://127.0.0.1:$REDIS_PORT" --listen "127.0.0.1:$port" \
    --metrics-listen "127.0.0.1:$metrics" --log-format json \
    >>"$DIR/instance-$k.log" 2>&1 &
  echo $! >"$DIR/instance-$k.pid"
  wait_http "http://127.0.0.1:$port/readyz"
  log "instance $k on 127.0.0.1:$port (metrics on $metrics)"
}

stop_pid_file() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

pg_start() { # data directory, port
  as_pg "$PG_BIN/pg_ctl" -D "$1" -l "$1.log" -w -t 60 \
    -o "-p $2 -c listen_addresses=127.0.0.1 -k $DIR -c shared_buffers=256MB" start >/dev/null
}

up() {
  local n=${1:-2}
  install_missing
  if [ -e "$DIR" ]; then
    echo "deploy: $DIR exists: run '$0 down' first" >&2
    exit 1
  fi
  [ -x "$BIN" ] || { log "building $BIN"; cargo build --release --bin atelier; }
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
  echo "$n" >"$DIR/instances"
  realpath "$BIN" >"$DIR/bin"

  log "PostgreSQL primary on $PRIMARY_PORT"
  as_pg "$PG_BIN/initdb" -D "$DIR/primary" -U postgres -A trust -E UTF8 --locale C >/dev/null
  pg_start "$DIR/primary" "$PRIMARY_PORT"
  psql -qX -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -c "CREATE DATABASE $DB" >/dev/null
  "$BIN" migrate --database-url "$PRIMARY_URL" >"$DIR/migrate.log" 2>&1
  log "demo catalogue of $PRODUCTS products"
  "$BIN" generate --products "$PRODUCTS" --into "$PRIMARY_URL" >"$DIR/generate.log" 2>&1

  log "streaming replica on $REPLICA_PORT"
  as_pg "$PG_BIN/pg_basebackup" -D "$DIR/replica" -R -X stream -c fast -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres
  pg_start "$DIR/replica" "$REPLICA_PORT"

  log "Redis on $REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --maxmemory 256mb --maxmemory-policy volatile-lru --daemonize yes \
    --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"

  for k in $(seq 1 "$n"); do start_instance "$k"; done

  log "nginx on $NGINX_PORT"
  local upstreams="" targets=""
  for k in $(seq 1 "$n"); do
    upstreams="$upstreams    server 127.0.0.1:$((BASE + k)) max_fails=1 fail_timeout=2s;\n"
    targets="$targets'127.0.0.1:$((BASE + 100 + k))', "
  done
  local user="" ; [ "$(id -u)" = 0 ] && user="user root;"
  sed -e "s|@USER@|$user|" -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$NGINX_PORT|" -e "s|@UPSTREAMS@|$upstreams|" \
    deploy/nginx.conf >"$DIR/nginx.conf"
  mkdir -p "$DIR/nginx"
  /usr/sbin/nginx -p "$DIR/nginx" -c "$DIR/nginx.conf" -e "$DIR/nginx/error.log"
  wait_http "http://127.0.0.1:$NGINX_PORT/readyz"

  log "Prometheus on $PROMETHEUS_PORT"
  sed -e "s|@TARGETS@|${targets%, }|" deploy/prometheus.yml >"$DIR/prometheus.yml"
  prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/prometheus" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" >"$DIR/prometheus.log" 2>&1 &
  echo $! >"$DIR/prometheus.pid"
  wait_http "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 60
  status
}

restart() {
  local k=${1:?which instance}
  log "restarting instance $k"
  stop_pid_file "$DIR/instance-$k.pid"
  start_instance "$k"
}

status() {
  echo "balancer:   http://127.0.0.1:$NGINX_PORT (nginx, $(instances) instances)"
  for k in $(seq 1 "$(instances)"); do
    local state=down
    curl -fsS -o /dev/null "http://127.0.0.1:$((BASE + k))/readyz" 2>/dev/null && state=ready
    echo "instance $k: http://127.0.0.1:$((BASE + k)) ($state), metrics http://127.0.0.1:$((BASE + 100 + k))/metrics"
  done
  echo "primary:    $PRIMARY_URL"
  echo "replica:    $REPLICA_URL"
  echo "redis:      redis://127.0.0.1:$REDIS_PORT"
  echo "prometheus: http://127.0.0.1:$PROMETHEUS_PORT"
}

down() {
  [ -e "$DIR" ] || { log "nothing to stop"; return 0; }
  [ -f "$DIR/nginx/nginx.pid" ] && /usr/sbin/nginx -p "$DIR/nginx" -c "$DIR/nginx.conf" -s stop 2>/dev/null || true
  stop_pid_file "$DIR/prometheus.pid"
  for k in $(seq 1 "$(instances)"); do stop_pid_file "$DIR/instance-$k.pid"; done
  stop_pid_file "$DIR/redis.pid"
  for cluster in replica primary; do
    if [ -f "$DIR/$cluster/postmaster.pid" ]; then
      as_pg "$PG_BIN/pg_ctl" -D "$DIR/$cluster" -m fast -w stop >/dev/null || true
    fi
  done
  rm -rf "$DIR"
  log "stopped and removed $DIR"
}

case "${1:-}" in
  up) up "${2:-2}" ;;
  restart) restart "${2:-}" ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up [N] | restart K | status | down" >&2; exit 2 ;;
esac
