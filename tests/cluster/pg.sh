#!/usr/bin/env bash
# tests/cluster/pg.sh - a private PostgreSQL 15 server for tests and demos.
#
#   pg.sh start DIR   initdb + start a server under DIR/pg; prints its URI
#   pg.sh uri DIR     prints the URI of the server started under DIR
#   pg.sh stop DIR    stops exactly that server (its postmaster.pid) and
#                     removes DIR/pg
#
# The server belongs to whoever calls start: its data directory, socket
# directory and log live in DIR/pg, it listens on 127.0.0.1 on a port of
# its own (the first free one from 25432 up, PGPORT_FIRST to move it) and
# on a socket in DIR/pg, and nothing of it outlives `stop`. initdb and the
# server run as the `postgres` user because PostgreSQL refuses to run as
# root. That user cannot reach a directory inside a private (0700) one
# such as a test's temporary directory, and opening the caller's
# directories to it would be rude: DIR/pg is therefore a symbolic link to
# a directory of its own under TMPDIR (/tmp), owned by postgres, which
# also keeps the socket path short. Authentication is `trust` for the
# superuser `postgres`: a throwaway server on loopback, never a production
# one.
#
# The URI names the database `credpipe`, created at start. Tests make one
# database per test home on the same server (tests/lib.sh).
#
# CREDPIPE_PG_NOSYNC=1 turns fsync and synchronous_commit off: for the test
# suite, where a power cut loses nothing of value and commits at 2 ms each
# would dominate the run. Never for a bench figure.
#
# Exit status: 0 ok, 64 usage, 69 PostgreSQL 15 not installed, 70 the
# server did not start (its log is printed, everything started is stopped).
set -u
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

usage() {
	echo "usage: pg.sh start|stop|uri DIR" >&2
	exit 64
}

# as_postgres COMMAND... - run COMMAND as the postgres user
as_postgres() {
	runuser -u postgres -- "$@"
}

# port_free PORT - true when nothing listens on 127.0.0.1:PORT
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# server_pid PGDIR - the postmaster's pid from its pid file ("" if none)
server_pid() {
	[ -f "$1/data/postmaster.pid" ] && head -n 1 "$1/data/postmaster.pid"
}

# stop_server PGDIR - fast shutdown of exactly the server in PGDIR: SIGINT
# to the pid in postmaster.pid, then wait up to 30 s for it to go, then
# SIGQUIT (immediate shutdown) as a last resort.
stop_server() {
	local pid i
	pid=$(server_pid "$1")
	[ -n "$pid" ] || return 0
	# The pid file outlives a crashed server: only signal a postgres.
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres ]; then
		return 0
	fi
	kill -INT "$pid" 2>/dev/null || return 0
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		[ "$i" -eq 300 ] || sleep 0.1
	done
	kill -QUIT "$pid" 2>/dev/null
	sleep 1
	return 0
}

# remove LINK - remove the server directory LINK points to, and LINK
remove() {
	local real
	if [ -L "$1" ]; then
		real=$(readlink "$1")
		case $real in */credpipe-pg.*) rm -rf "$real" ;; esac
	fi
	rm -rf "$1"
}

# start DIR - initdb, start, create database credpipe, print the URI
start() {
	local dir=$1 pg port tries real
	[ -x "$PGBIN/initdb" ] || {
		echo "pg.sh: PostgreSQL 15 not found in $PGBIN (make deps)" >&2
		exit 69
	}
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 70
	pg=$dir/pg
	if [ -n "$(server_pid "$pg")" ]; then
		echo "pg.sh: a server was already started under $dir" >&2
		exit 70
	fi
	remove "$pg"
	real=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-pg.XXXXXX") || exit 70
	chmod 0755 "$real" && chown postgres: "$real" && ln -s "$real" "$pg" || {
		rm -rf "$real"
		exit 70
	}
	pg=$real
	if ! as_postgres "$PGBIN/initdb" -D "$pg/data" -U postgres \
		--auth=trust -E UTF8 --locale=C.UTF-8 >"$pg/initdb.log" 2>&1; then
		cat "$pg/initdb.log" >&2
		remove "$dir/pg"
		exit 70
	fi
	{
		echo "unix_socket_directories = '$pg'"
		echo "listen_addresses = '127.0.0.1'"
		echo "max_connections = 200"
		echo "shared_buffers = 64MB"
		if [ -n "${CREDPIPE_PG_NOSYNC:-}" ]; then
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
		fi
	} >>"$pg/data/postgresql.conf"
	# Another server may take a free port between the probe and the
	# bind: pg_ctl then fails and the next port is tried.
	port=${PGPORT_FIRST:-25432}
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		while ! port_free "$port"; do port=$((port + 1)); done
		if as_postgres "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/server.log" \
			-o "-p $port" -w -t 30 start >/dev/null 2>&1; then
			break
		fi
		stop_server "$pg"
		if [ "$tries" -eq 10 ] || ! grep -q 'could not bind\|already in use' "$pg/server.log"; then
			echo "pg.sh: the server did not start:" >&2
			tail -n 20 "$pg/server.log" >&2
			remove "$dir/pg"
			exit 70
		fi
		port=$((port + 1))
	done
	echo "$port" >"$pg/port"
	if ! "$PGBIN/psql" -X -q -h "$pg" -p "$port" -U postgres -d postgres \
		-c 'CREATE DATABASE credpipe' >"$pg/createdb.log" 2>&1; then
		cat "$pg/createdb.log" >&2
		stop_server "$pg"
		remove "$dir/pg"
		exit 70
	fi
	uri "$dir"
}

# uri DIR - the URI of the server under DIR (loopback TCP, database credpipe)
uri() {
	local port
	port=$(cat "$1/pg/port" 2>/dev/null) || {
		echo "pg.sh: no server started under $1" >&2
		exit 64
	}
	echo "postgresql://postgres@127.0.0.1:$port/credpipe"
}

[ $# -eq 2 ] || usage
case $1 in
start) start "$2" ;;
uri) uri "$2" ;;
stop)
	stop_server "$2/pg"
	remove "$2/pg"
	;;
*) usage ;;
esac
