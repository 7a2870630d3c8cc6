#!/bin/sh
# One company's PostgreSQL server in the compose federation, from Debian's
# packages: `postgres.sh primary <company>` makes the primary on its first
# start (the company's database, a password for the `tripmesh` role, every
# commit waiting for the standby); `postgres.sh standby <company>` copies it
# once (pg_basebackup) and streams from it. Promoting the standby when the
# primary is lost is an operator's act:
#   docker-compose exec db-voltpoint-standby su postgres -c \
#     "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl promote -D /var/lib/postgresql/data"
set -eu
role=$1
company=$2
data=/var/lib/postgresql/data
bin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
password=$(cat "/etc/tripmesh/federation/$company/db-password")
as_postgres() { su postgres -s /bin/sh -c "$*"; }

install -d -o postgres -g postgres -m 700 "$data"
if [ ! -s "$data/PG_VERSION" ]; then
  if [ "$role" = primary ]; then
    printf '%s\n' "$password" > /tmp/pw
    chown postgres /tmp/pw
    as_postgres "$bin/initdb -D $data -U tripmesh --pwfile=/tmp/pw -A scram-sha-256 -E UTF8 --no-locale"
    rm /tmp/pw
    echo "host all all samenet scram-sha-256" >> "$data/pg_hba.conf"
    echo "host replication all samenet scram-sha-256" >> "$data/pg_hba.conf"
    # A reservation confirmed to a vehicle is on both servers.
    printf "listen_addresses = '*'\nsynchronous_standby_names = '*'\nsynchronous_commit = on\n" \
      >> "$data/postgresql.conf"
    as_postgres "$bin/pg_ctl -D $data -w -o '-c synchronous_standby_names=' start"
    as_postgres "PGPASSWORD=$password $bin/createdb -h 127.0.0.1 -U tripmesh $company"
    as_postgres "$bin/pg_ctl -D $data -w stop"
  else
    until as_postgres "PGPASSWORD=$password $bin/pg_basebackup -h db-$company -U tripmesh \
        -D $data -R -X stream"; do
      rm -rf "${data:?}"/*
      sleep 2
    done
  fi
fi
exec su postgres -s /bin/sh -c "exec $bin/postgres -D $data"
