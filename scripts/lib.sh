# shellcheck shell=bash
#
# scripts/lib.sh: helpers that scripts/test and scripts/demo source (never run it).
#
# They install Postgres and Redis from Debian's packages when missing, and start
# private servers of both that listen on 127.0.0.1 only, on free ports, with all
# their files (data, sockets, logs, pid files) inside one directory:
#
#   DIR/pg/data        Postgres cluster (owned by the postgres OS user under root)
#   DIR/pg/postgres.log
#   DIR/redis/         Redis working directory, redis.log, redis.pid
#
# Nothing here relies on the clusters or services that Debian's packages set up;
# if those run, they are left alone (our servers take other ports).
#
# Functions (each returns non-zero with a one-line reason on stderr on failure):
#   hotline_install_deps              install postgresql / redis-server if missing
#   hotline_install_chromium          install chromium if missing (browser test)
#   hotline_apt_install PKG...        apt-get install PKG... (root or sudo -n)
#   hotline_pg_start DIR [PORT]       start Postgres in DIR (initdb on first use);
#                                     exports DATABASE_URL
#   hotline_redis_start DIR [PORT]    start Redis in DIR; exports REDIS_URL
#   hotline_services_stop DIR [MODE]  stop both (MODE: fast (default) or immediate);
#                                     safe to call whatever was or was not started
# PORT is a preferred port, used when free; otherwise a free one is picked.
#
# Settings read from the environment:
#   HOTLINE_PG_BINDIR     Postgres bin directory (default: newest /usr/lib/postgresql/*/bin)
#   HOTLINE_REDIS_SAVE    Redis "save" setting (default "": no snapshots)

HOTLINE_PROG=${HOTLINE_PROG:-${0##*/}}

# hotline_die MESSAGE: print "prog: MESSAGE" on stderr and return 1.
hotline_die() {
	printf '%s: %s\n' "$HOTLINE_PROG" "$*" >&2
	return 1
}

# hotline_say MESSAGE: print "prog: MESSAGE" on stderr (progress the user should see).
hotline_say() {
	printf '%s: %s\n' "$HOTLINE_PROG" "$*" >&2
}

# hotline_show_log FILE: print the end of a log file on stderr, after a failure.
hotline_show_log() {
	[[ -f $1 ]] || return 0
	printf -- '--- last lines of %s ---\n' "$1" >&2
	tail -n 25 "$1" >&2 || true
	printf -- '---\n' >&2
}

# hotline_pg_bindir [MAJOR]: print the Postgres bin directory: $HOTLINE_PG_BINDIR,
# else that of version MAJOR when given, else the newest installed server.
hotline_pg_bindir() {
	local want=${1:-} d
	if [[ -n ${HOTLINE_PG_BINDIR:-} ]]; then
		[[ -x $HOTLINE_PG_BINDIR/postgres ]] || return 1
		printf '%s\n' "$HOTLINE_PG_BINDIR"
		return 0
	fi
	if [[ -n $want ]]; then
		d=/usr/lib/postgresql/$want/bin
		[[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl ]] || return 1
		printf '%s\n' "$d"
		return 0
	fi
	local -a found=()
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl ]] && found+=("$d")
	done
	((${#found[@]})) || return 1
	printf '%s\n' "${found[@]}" | sort -V | tail -n 1
}

# hotline_apt_install PKG...: install Debian packages (as root, or with
# password-less sudo), keeping their services from starting.
hotline_apt_install() {
	local -a sudo=()
	if ((EUID != 0)); then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			hotline_die "missing $*: run 'apt-get install --no-install-recommends $*' as root"
			return 1
		fi
	fi
	command -v apt-get >/dev/null 2>&1 ||
		{ hotline_die "missing $* and no apt-get to install them"; return 1; }

	hotline_say "installing $* from Debian's packages..."
	local log rc=0 policy=/usr/sbin/policy-rc.d ours=
	log=$(mktemp "${TMPDIR:-/tmp}/hotline-apt.XXXXXX") || return 1
	# Keep the packages' own services from starting (invoke-rc.d obeys policy-rc.d:
	# exit 101 = "action forbidden"); only if no policy is in place already.
	if [[ ! -e $policy ]]; then
		if printf '#!/bin/sh\n# hotline scripts/lib.sh: temporary, during apt-get install\nexit 101\n' |
			"${sudo[@]}" tee "$policy" >/dev/null 2>&1 && "${sudo[@]}" chmod 0755 "$policy"; then
			ours=1
		fi
	fi
	# Once per process. Should it fail (another apt-get holding the lock, say), the
	# install below is still tried with the package lists that are there.
	if [[ -z ${HOTLINE_APT_UPDATED:-} ]]; then
		"${sudo[@]}" apt-get update -qq -o DPkg::Lock::Timeout=600 </dev/null >"$log" 2>&1 &&
			HOTLINE_APT_UPDATED=1
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		-o DPkg::Lock::Timeout=600 --no-install-recommends "$@" \
		</dev/null >>"$log" 2>&1 || rc=$?
	if [[ -n $ours ]] && grep -q 'hotline scripts/lib.sh' "$policy" 2>/dev/null; then
		"${sudo[@]}" rm -f "$policy" || true
	fi
	if ((rc)); then
		hotline_show_log "$log"
		rm -f "$log"
		hotline_die "apt-get failed (exit $rc) installing $*"
		return 1
	fi
	rm -f "$log"
	hash -r
}

# hotline_install_chromium: install Debian's chromium (for the console's
# browser test) when missing. Failure is reported, not fatal: the test
# itself fails when CI=true and chromium is missing.
hotline_install_chromium() {
	command -v chromium >/dev/null 2>&1 && return 0
	hotline_apt_install chromium || return 1
	command -v chromium >/dev/null 2>&1 || { hotline_die "chromium installed but not on PATH"; return 1; }
}

# hotline_install_deps: install Debian's postgresql and redis-server when their
# server binaries are missing. Needs root (or password-less sudo) only then.
# Services the packages would start are kept from starting during the install.
hotline_install_deps() {
	local -a pkgs=()
	hotline_pg_bindir >/dev/null || pkgs+=(postgresql)
	if ! command -v redis-server >/dev/null 2>&1; then
		pkgs+=(redis-server)
	elif ! command -v redis-cli >/dev/null 2>&1; then
		pkgs+=(redis-tools)
	fi
	((${#pkgs[@]})) || return 0

	hotline_apt_install "${pkgs[@]}" || return 1
	hotline_pg_bindir >/dev/null || { hotline_die "postgresql installed but no server under /usr/lib/postgresql"; return 1; }
	command -v redis-server >/dev/null 2>&1 || { hotline_die "redis-server installed but not on PATH"; return 1; }
	command -v redis-cli >/dev/null 2>&1 || { hotline_die "redis-cli not on PATH (package redis-tools)"; return 1; }
}

# hotline_port_in_use PORT: true when something uses TCP PORT on this machine.
hotline_port_in_use() {
	local port=$1
	if command -v ss >/dev/null 2>&1; then
		# Any socket with that local port, listening or not.
		[[ -n $(ss -Htan "( sport = :$port )" 2>/dev/null) ]]
		return
	fi
	# No ss: try to connect (refused at once when nothing listens).
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# hotline_free_port [PREFERRED]: print PREFERRED when free, else a random free TCP
# port in 20000-31999 (below Linux's ephemeral range, so no client takes it).
hotline_free_port() {
	local port i
	if [[ -n ${1:-} ]] && ! hotline_port_in_use "$1"; then
		printf '%s\n' "$1"
		return 0
	fi
	for ((i = 0; i < 200; i++)); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		if ! hotline_port_in_use "$port"; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	hotline_die "no free TCP port found"
}

# hotline_as_pg CMD ARGS...: run CMD as the postgres OS user when root (Postgres
# refuses to run as root), as the current user otherwise. Runs from / so that
# an unreadable working directory does not matter: use absolute paths.
hotline_as_pg() {
	if ((EUID == 0)); then
		if command -v runuser >/dev/null 2>&1; then
			(cd / && runuser -u postgres -- "$@")
		else
			(cd / && su -s /bin/bash postgres -c "$(printf '%q ' "$@")")
		fi
	else
		(cd / && "$@")
	fi
}

# hotline_sql_quote STRING: STRING as a single-quoted SQL/postgresql.conf literal.
hotline_sql_quote() {
	printf "'%s'" "${1//\'/\'\'}"
}

# hotline_pg_start DIR [PREFERRED_PORT]: start a Postgres server whose cluster is
# DIR/pg/data (created by initdb, trust authentication, when missing; reused when
# present), listening on 127.0.0.1 only. Creates the superuser role "hotline" and
# the database "hotline" when missing, and exports DATABASE_URL.
hotline_pg_start() {
	local dir=$1 preferred=${2:-}
	[[ -d $dir ]] || { hotline_die "no directory $dir"; return 1; }
	dir=$(cd "$dir" && pwd -P) || return 1
	local pgdir=$dir/pg data=$dir/pg/data log=$dir/pg/postgres.log bindir
	mkdir -p "$pgdir" || return 1
	if ((EUID == 0)); then
		id postgres >/dev/null 2>&1 || { hotline_die "no 'postgres' OS user to run Postgres as (running as root)"; return 1; }
		chown postgres: "$pgdir" && chmod 0700 "$pgdir" || return 1
		hotline_as_pg test -w "$pgdir" ||
			{ hotline_die "the postgres OS user cannot reach $pgdir: make its parent directories searchable (chmod o+x)"; return 1; }
	fi

	if [[ -s $data/PG_VERSION ]]; then
		local major
		major=$(<"$data/PG_VERSION")
		bindir=$(hotline_pg_bindir "$major") ||
			{ hotline_die "$data was made by Postgres $major, which is not installed (remove $data to start afresh)"; return 1; }
		if hotline_as_pg "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1; then
			hotline_die "a Postgres server already runs on $data (stop it first)"
			return 1
		fi
	else
		if [[ -d $data ]] && [[ -n $(ls -A "$data" 2>/dev/null) ]]; then
			hotline_die "$data is neither empty nor a Postgres cluster (remove it to start afresh)"
			return 1
		fi
		bindir=$(hotline_pg_bindir) || { hotline_die "no Postgres server installed"; return 1; }
		if ! hotline_as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale -N \
			>"$pgdir/initdb.log" 2>&1; then
			hotline_show_log "$pgdir/initdb.log"
			hotline_die "initdb failed"
			return 1
		fi
		local sockets=$pgdir
		# A Unix socket path is limited to 107 bytes: go TCP-only when it would not fit.
		((${#sockets} + 20 < 100)) || sockets=
		cat >>"$data/postgresql.conf" <<-EOF

			# Added by scripts/lib.sh: a private server for tests and the demo.
			listen_addresses = '127.0.0.1'
			unix_socket_directories = $(hotline_sql_quote "$sockets")
			max_connections = 200
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			logging_collector = off
			log_min_messages = warning
		EOF
	fi

	local _ port='' started=''
	for _ in 1 2 3 4 5; do
		port=$(hotline_free_port "$preferred") || return 1
		preferred=
		if hotline_as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -s -o "-p $port" start \
			>"$pgdir/pg_ctl.log" 2>&1; then
			started=1
			break
		fi
		# Someone took the port between the check and the bind: try another one.
		grep -qiE 'could not (bind|create listen)|address already in use' "$log" 2>/dev/null || break
	done
	if [[ -z $started ]]; then
		hotline_show_log "$pgdir/pg_ctl.log"
		hotline_show_log "$log"
		hotline_die "Postgres did not start"
		return 1
	fi
	local i
	for ((i = 0; i < 100; i++)); do
		"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres && break
		sleep 0.1
	done
	if ((i == 100)); then
		hotline_show_log "$log"
		hotline_die "Postgres on port $port is not ready"
		return 1
	fi
	local -a psql=("$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
	if ! "${psql[@]}" >/dev/null 2>"$pgdir/psql.log" <<-'EOF'; then
		DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hotline') THEN
				CREATE ROLE hotline SUPERUSER LOGIN;
			END IF;
		END $$;
		SELECT 'CREATE DATABASE hotline OWNER hotline'
		WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hotline')\gexec
	EOF
		hotline_show_log "$pgdir/psql.log"
		hotline_die "could not create the hotline role and database"
		return 1
	fi
	printf '%s\n' "$port" >"$pgdir/port"
	export DATABASE_URL="postgres://hotline@127.0.0.1:$port/hotline?sslmode=disable"
}

# hotline_pg_stop DIR [MODE]: stop the Postgres server of DIR/pg/data, if it runs.
# MODE is pg_ctl's shutdown mode: fast (default) or immediate (data thrown away).
hotline_pg_stop() {
	local data=$1/pg/data mode=${2:-fast} bindir pid i
	[[ -f $data/postmaster.pid ]] || return 0
	bindir=$(hotline_pg_bindir "$(cat "$data/PG_VERSION" 2>/dev/null)") || bindir=$(hotline_pg_bindir) || bindir=
	if [[ -n $bindir ]] &&
		hotline_as_pg "$bindir/pg_ctl" -D "$data" -m "$mode" -w -t 30 -s stop >/dev/null 2>&1; then
		return 0
	fi
	# pg_ctl failed (or is missing): signal the postmaster directly.
	pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || pid=
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	kill -QUIT "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		hotline_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# hotline_alive PID: true while process PID exists and is not a zombie (an exited
# daemon stays a zombie until init reaps it, and kill -0 still succeeds on it).
hotline_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != [ZX] ]]
}

# hotline_redis_start DIR [PREFERRED_PORT]: start redis-server, daemonised, with
# DIR/redis as its working directory, 1024 databases, no append-only file and
# snapshots as $HOTLINE_REDIS_SAVE says (none by default); exports REDIS_URL.
hotline_redis_start() {
	local dir=$1 preferred=${2:-}
	[[ -d $dir ]] || { hotline_die "no directory $dir"; return 1; }
	dir=$(cd "$dir" && pwd -P) || return 1
	local rdir=$dir/redis pidfile=$dir/redis/redis.pid log=$dir/redis/redis.log
	mkdir -p "$rdir" || return 1
	if [[ -f $pidfile ]] && hotline_alive "$(cat "$pidfile" 2>/dev/null)" &&
		[[ $(cat "/proc/$(cat "$pidfile")/comm" 2>/dev/null) == redis* ]]; then
		hotline_die "a Redis server already runs from $rdir (pid $(cat "$pidfile"))"
		return 1
	fi
	local _ port='' pid='' i ok=''
	for _ in 1 2 3 4 5; do
		port=$(hotline_free_port "$preferred") || return 1
		preferred=
		rm -f "$pidfile"
		: >"$log"
		redis-server --port "$port" --bind 127.0.0.1 --save "${HOTLINE_REDIS_SAVE:-}" \
			--appendonly no --databases 1024 --dir "$rdir" --daemonize yes \
			--pidfile "$pidfile" --logfile "$log" --loglevel warning \
			</dev/null >"$rdir/start.log" 2>&1 || { hotline_show_log "$rdir/start.log"; break; }
		for ((i = 0; i < 100; i++)); do
			pid=$(cat "$pidfile" 2>/dev/null) || pid=
			if [[ -n $pid ]] && ! hotline_alive "$pid"; then
				break # it exited (port taken?)
			fi
			if [[ -n $pid ]] && [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
				# Answered: make sure it is ours, not another server on that port.
				if redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' |
					grep -qx "process_id:$pid"; then
					ok=1
				fi
				break
			fi
			sleep 0.1
		done
		[[ -n $ok ]] && break
		[[ -n $pid ]] && { kill -TERM "$pid" 2>/dev/null || true; }
		grep -qiE 'address already in use|could not create server' "$log" 2>/dev/null || break
	done
	if [[ -z $ok ]]; then
		hotline_show_log "$log"
		hotline_die "Redis did not start"
		return 1
	fi
	printf '%s\n' "$port" >"$rdir/port"
	export REDIS_URL="redis://127.0.0.1:$port/0"
}

# hotline_redis_stop DIR: stop the Redis server whose pid is in DIR/redis/redis.pid.
hotline_redis_stop() {
	local pidfile=$1/redis/redis.pid pid i
	[[ -f $pidfile ]] || return 0
	pid=$(cat "$pidfile" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	# Only signal it when that pid is still a redis-server.
	[[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis* ]] || { rm -f "$pidfile"; return 0; }
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		hotline_alive "$pid" || { rm -f "$pidfile"; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

# hotline_services_stop DIR [MODE]: stop Redis and Postgres of DIR, whatever state
# they are in (never fails; meant for EXIT traps). MODE as for hotline_pg_stop.
hotline_services_stop() {
	local dir=$1 mode=${2:-fast}
	[[ -n $dir && -d $dir ]] || return 0
	hotline_redis_stop "$dir" || true
	hotline_pg_stop "$dir" "$mode" || true
	return 0
}
