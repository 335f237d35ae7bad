#!/usr/bin/env bash
# Make sure a PostgreSQL server listens on 127.0.0.1:5432 with the role and database the test
# suite uses (gongzhi / gongzhi_test). Installs it from Debian's packages when it is missing.
set -euo pipefail

ROLE=gongzhi
DATABASE=gongzhi_test

# psql as the postgres superuser: through the socket as root, else over TCP.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
  else
    psql -h 127.0.0.1 -U postgres -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
  fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages..."
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  else
    echo "PostgreSQL is not installed. Install it (Debian: apt-get install postgresql), or set" >&2
    echo "name an existing database: make test PG_TEST_URL=postgresql+psycopg://USER:PASS@HOST/DB" >&2
    exit 1
  fi
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "Starting PostgreSQL $version..."
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
  done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

as_postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE';
  END IF;
END \$\$;
SQL
if [ "$(as_postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
  as_postgres -c "CREATE DATABASE $DATABASE OWNER $ROLE ENCODING 'UTF8' TEMPLATE template0"
fi
echo "PostgreSQL ready: database $DATABASE, role $ROLE on 127.0.0.1:5432"
