# A throwaway PostgreSQL server on loopback for scripts (the tests start their own in Swift):
# initdb in a temporary folder, a free port, stopped when the script exits.
# After `start_postgres`, PG_URL is a URL of the `postgres` database.
start_postgres() {
    local bin
    bin="/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -1)/bin"
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/funko-pg.XXXXXX")
    PG_PORT=$("$FUNKO_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    local as=()
    # PostgreSQL refuses to run as root.
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_DIR"; as=(runuser -u postgres --); fi
    "${as[@]}" "$bin/initdb" -D "$PG_DIR" -A trust -U postgres --no-sync >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null </dev/null
    PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$PG_DIR" -m fast stop)
    PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
}

stop_postgres() {
    [ -n "${PG_DIR:-}" ] || return 0
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
