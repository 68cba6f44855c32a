#!/usr/bin/env bash
# Measures what docs/performance.md reports: binary size, cold demo start to
# first page, idle memory, sign-in latency and GET /api/v1/me latency under
# 50 concurrent clients on SQLite and PostgreSQL. Everything targets
# 127.0.0.1 and stops by itself. Needs wrk (apt-get install wrk) and, for
# PostgreSQL, CANOPY_TEST_POSTGRES pointing at a server.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18931

go build -o "$work/canopy" ./cmd/canopy
go build -ldflags='-s -w' -o "$work/canopy-stripped" ./cmd/canopy
echo "binary: $(stat -c %s "$work/canopy") bytes; stripped (-s -w): $(stat -c %s "$work/canopy-stripped") bytes"

wait_ready() { # url
  for _ in $(seq 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.01; done
  echo "server did not come up" >&2; return 1
}

ms() { date +%s%3N; }

# Cold start: fresh data folder, migrations, seeding, first page.
for i in 1 2 3; do
  rm -rf "$work/demo"
  t0=$(ms)
  "$work/canopy" demo --data "$work/demo" --addr 127.0.0.1:$port >"$work/demo.out" 2>"$work/demo.err" &
  pid=$!
  wait_ready "http://127.0.0.1:$port/signin"
  echo "cold demo start to first page (run $i): $(( $(ms) - t0 )) ms"
  sleep 2
  echo "  RSS right after seeding (four argon2id hashes of 64 MiB): $(( $(ps -o rss= -p $pid) / 1024 )) MiB"
  kill -TERM $pid; wait $pid || true
done
# Idle memory of a running instance: the demo again on its existing data.
t0=$(ms)
"$work/canopy" demo --data "$work/demo" --addr 127.0.0.1:$port >"$work/demo.out" 2>"$work/demo.err" &
pid=$!
wait_ready "http://127.0.0.1:$port/signin"
echo "warm demo start (existing data) to first page: $(( $(ms) - t0 )) ms"
sleep 10
echo "idle RSS after 10 s: $(( $(ps -o rss= -p $pid) / 1024 )) MiB"

password=$(cat "$work/demo/demo-admin.txt")
signin() {
  curl -s -o /dev/null -w '%{time_total}\n' -c "$work/jar" \
    --data-urlencode "email=admin@example.com" --data-urlencode "password=$password" \
    "http://127.0.0.1:$port/signin/password"
}
signin >/dev/null
for _ in $(seq 20); do signin; done | sort -n | awk '{a[NR]=$1} END {printf "sign-in POST (argon2id 64 MiB, t=2, p=2), 20 sequential: median %.0f ms, max %.0f ms\n", a[int((NR+1)/2)]*1000, a[NR]*1000}'

load_me() { # label dbflag
  local token
  token=$("$work/canopy" token create --db "$2" --email admin@example.com --name "perf $1" 2>/dev/null)
  # a short warm-up first: connection pools fill, caches settle
  wrk -t2 -c50 -d3s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me" >/dev/null
  wrk -t2 -c50 -d15s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me" >"$work/wrk.txt"
  echo "GET /api/v1/me, 50 clients, 15 s, $1: $(grep 'Requests/sec' "$work/wrk.txt" | awk '{print $2}') req/s;" \
    "p50 $(awk '/ 50%/ {print $2}' "$work/wrk.txt"), p99 $(awk '/ 99%/ {print $2}' "$work/wrk.txt")," \
    "non-2xx: $(grep -c 'Non-2xx' "$work/wrk.txt" || true)"
}
load_me sqlite "sqlite:$work/demo/canopy.db"
kill -TERM $pid; wait $pid || true

if [ -n "${CANOPY_TEST_POSTGRES:-}" ]; then
  schema="perf_$$"
  psql -q "$CANOPY_TEST_POSTGRES" -c "CREATE SCHEMA $schema"
  trap 'psql -q "$CANOPY_TEST_POSTGRES" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
  sep='?'; case "$CANOPY_TEST_POSTGRES" in *\?*) sep='&';; esac
  pg="${CANOPY_TEST_POSTGRES}${sep}search_path=$schema"
  out=$("$work/canopy" user create --db "$pg" --key-file "$work/pg.key" --email admin@example.com --org Perf --role owner)
  "$work/canopy" serve --db "$pg" --key-file "$work/pg.key" --addr 127.0.0.1:$port 2>"$work/serve.err" &
  pid=$!
  wait_ready "http://127.0.0.1:$port/readyz"
  load_me postgres "$pg"
  kill -TERM $pid; wait $pid || true
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(go version | awk '{print $3}'), $(uname -m)"
