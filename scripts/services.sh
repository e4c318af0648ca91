#!/usr/bin/env bash
# Makes sure the services and tools the tests talk to are installed and running: PostgreSQL on
# 127.0.0.1:5432 accepting `postgres` without a password, with a database `test`; Redis on
# 127.0.0.1:6379 and Debian's redis-server; Debian's nginx and Prometheus; Debian's
# Chromium and chromedriver (browser tests); a Python environment with schemathesis and
# Selenium from PyPI at $ATELIER_VENV (default ~/.cache/atelier-venv).
# Idempotent: on a machine where everything already runs it only checks.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

# A server is installed when a cluster exists; the client alone (psql, pg_isready) is not enough.
if ! pg_up && ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "services: installing PostgreSQL"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

if ! pg_up; then
  echo "services: starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Tests connect over TCP as postgres without a password: trust loopback only.
  if ! as_root grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "services: PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }

if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
  echo "services: creating database test"
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
fi
echo "services: PostgreSQL ready on 127.0.0.1:5432"

# Redis: the cache tests start throwaway servers of their own with Debian's redis-server; the
# shared one on 6379 is what a developer's `atelier serve --redis-url` reaches.
if ! command -v redis-server >/dev/null 2>&1; then
  echo "services: installing Redis"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
echo "services: Redis $(redis-server --version | awk '{print $3}')"

# The deployment test runs Debian's nginx (the balancer) and Prometheus (scraping).
missing=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v prometheus >/dev/null 2>&1 || missing="$missing prometheus"
if [ -n "$missing" ]; then
  echo "services: installing$missing"
  as_root apt-get update -qq
  # shellcheck disable=SC2086 # the list is meant to split into packages
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# Browser tests drive Debian's Chromium through Debian's chromedriver (never a downloaded one).
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  echo "services: installing Chromium and chromedriver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# schemathesis (contract fuzzing from /openapi.json) and Selenium (the browser tests' driver),
# pinned, in a virtual environment outside the clone so every clone on the machine shares it.
venv="${ATELIER_VENV:-$HOME/.cache/atelier-venv}"
python_tools="schemathesis==4.32.5 selenium==4.51.0"
stamp="$venv/.atelier-tools"
if [ "$(cat "$stamp" 2>/dev/null)" != "$python_tools" ]; then
  echo "services: installing $python_tools into $venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  # shellcheck disable=SC2086 # the list is meant to split into packages
  "$venv/bin/pip" install -q $python_tools
  echo "$python_tools" > "$stamp"
fi
echo "services: Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), $("$venv/bin/schemathesis" --version)"
