# Throwaway PostgreSQL for tests, the demo and the benchmark.
#
#   . tests/pg.sh; pg_start DIR [extra postgres -c settings...]; ...; pg_stop
#
# The cluster lives in DIR, listens only on a Unix socket in DIR, and trusts
# local connections, except for members of the role password_login (made
# here): PostgreSQL asks them for their password, as it must for the people
# who log in to ebba-web (the web tests and the demo grant it to them).  initdb refuses to run as root, so as root the cluster
# is owned by the 'postgres' system user (created by the postgresql
# packages) and everything else still runs as root.

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$d/initdb" ] || { echo "pg.sh: no PostgreSQL server found (make deps installs it)" >&2; return 1; }
	echo "$d"
}

pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
	local dir=$1; shift
	local bin; bin=$(pg_bindir) || return 1
	PG_BIN=$bin
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir"; chmod 0755 "$dir"
		# A clone in a home directory closed to others (root's is 0700)
		# is out of the postgres user's reach: the cluster then lives in
		# /var/tmp and DIR becomes a link to it (pg_real_dir follows it).
		if ! runuser -u postgres -- test -w "$dir"; then
			local real; real=$(mktemp -d /var/tmp/ebba-pg.XXXXXX)
			rmdir "$dir" && ln -s "$real" "$dir" || return 1
			chown postgres: "$real"; chmod 0755 "$real"
			dir=$real
		fi
	fi
	pg_as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
	# (ebba-web's own roles, in ebba_web, stay trusted: in proxy mode they
	# are members of every person and so of password_login.)
	pg_as_owner sed -i -e '1i local all +ebba_web trust' -e '1i local all +password_login scram-sha-256' \
		"$dir/data/pg_hba.conf"
	PG_DIR=$dir
	PGPORT=$(( 20000 + RANDOM % 20000 ))
	local opts="-k $dir -p $PGPORT -c listen_addresses= -c max_connections=200"
	local s
	for s in "$@"; do opts="$opts -c $s"; done
	pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start \
		>/dev/null || { cat "$dir/server.log" >&2; return 1; }
	export PGHOST=$dir PGPORT PGUSER=postgres PGDATABASE=postgres
	psql -XAtq -c "create role password_login nologin" >/dev/null
}

# Restart with a given shutdown mode (fast or immediate) for fault tests.
pg_restart() {
	local mode=${1:-fast}
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "$mode" -w -t 60 restart \
		>/dev/null 2>&1
}

# pg_real_dir DIR: where the cluster that pg_start DIR made really lives.
pg_real_dir() {
	readlink -f "$1"
}

# pg_remove DIR: the cluster's files, and DIR itself (also where it links).
pg_remove() {
	local real; real=$(pg_real_dir "$1")
	rm -rf "$1"
	[ -n "$real" ] && [ "$real" != "$1" ] && rm -rf "$real"
	return 0
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}
