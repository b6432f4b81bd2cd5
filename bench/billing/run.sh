#!/usr/bin/env bash
# billing-service benchmark: metering throughput from Kafka into the ledger (vs a bare Kafka consumer) and the time to
# issue an invoice over a million usage rows (vs a bare count/sum). Starts its own PostgreSQL and Kafka (devstack, as
# the tests do) and the real service; prints the BENCH lines.
#   bench/billing/run.sh                 # 200000 events, 1000000 rows
#   BENCH_EVENTS=400000 BENCH_ROWS=2000000 bench/billing/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS="${BENCH_EVENTS:-200000}"
ROWS="${BENCH_ROWS:-1000000}"
LOG="$(mktemp -t billing-bench.XXXXXX.log)"
# builds what it needs in the reactor (-am: events, common, devstack of this checkout, never what ~/.m2 holds, and nothing
# installed); one Maven at a time on this machine: each Maven run takes /tmp/mvn.lock, unless this script already runs
# under it (`flock /tmp/mvn.lock bench/billing/run.sh` would otherwise wait for itself forever)
. bench/maven-lock.sh
# One run with the bus as it always runs (SASL/OAUTHBEARER, ACLs) and one with the broker in PLAINTEXT without ACLs
# (-Dgallery.bus.auth=off): what authentication and authorization cost metering. BENCH_ROUNDS alternates them more
# often; BENCH_AUTH=on runs only the secured one.
ROUNDS="${BENCH_ROUNDS:-1}"
run_once() { # label, extra JVM property
  local log="$LOG.$1"
  "${LOCK[@]}" ./mvnw -B -o verify -pl billing-service -am -DskipITs -Dtest=BillingBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dgallery.bench=true -Dbench.events="$EVENTS" -Dbench.rows="$ROWS" \
    -DargLine="-Dgallery.bench=true -Dbench.events=$EVENTS -Dbench.rows=$ROWS -Xmx2g $2" \
    >"$log" 2>&1 || { tail -50 "$log"; echo "benchmark failed; log: $log"; exit 1; }
  echo "== bus $1"
  grep -h "BENCH" "$log" | sed 's/^.*BENCH/BENCH/'
  grep -h "BENCH metering throughput" "$log" | sed 's/.*throughput: \([0-9]*\) events.*/\1/' >>"$LOG.$1.rates"
}
for round in $(seq 1 "$ROUNDS"); do
  run_once secured ""
  if [ "${BENCH_AUTH:-both}" = both ]; then run_once open "-Dgallery.bus.auth=off"; fi
done
if [ "${BENCH_AUTH:-both}" = both ]; then
  awk -v s="$(paste -sd' ' "$LOG.secured.rates")" -v o="$(paste -sd' ' "$LOG.open.rates")" 'BEGIN {
    n = split(s, a, " "); m = split(o, b, " "); for (i = 1; i <= n; i++) sa += a[i]; for (i = 1; i <= m; i++) sb += b[i];
    printf "BENCH metering with authentication and ACLs: %.0f events/s; without (PLAINTEXT, no ACLs): %.0f events/s; ratio %.3f (target >= 0.90)\n", sa / n, sb / m, (sa / n) / (sb / m) }'
fi
echo "(full logs: $LOG.*; machine: $(nproc) cores)"
