#!/usr/bin/env bash
# The whole suite on SQLite and, when DATABASE_URL points to PostgreSQL, on PostgreSQL at the same
# time (one core each): each run has its own var directory and log, printed as it goes with a prefix.
set -uo pipefail
pytest="${1:?usage: test-databases.sh PYTEST}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/arrears-test.XXXXXX")"

run() {  # run NAME [env...] — pytest with its lines prefixed by the database's name
  local name="$1"; shift
  env "$@" PYTHONUNBUFFERED=1 ARREARS_VAR_DIR="$scratch/$name" "$pytest" 2>&1 | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}

case "${DATABASE_URL:-}" in
  postgres*)
    run sqlite -u DATABASE_URL & sqlite=$!
    run postgresql & postgresql=$!
    wait "$sqlite"; sqlite_status=$?
    wait "$postgresql"; postgresql_status=$?
    echo "SQLite: exit $sqlite_status; PostgreSQL: exit $postgresql_status"
    status=$(( sqlite_status || postgresql_status )) ;;
  *)
    run sqlite -u DATABASE_URL; status=$? ;;
esac
rm -rf "$scratch"
exit "$status"
