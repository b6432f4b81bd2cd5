#!/usr/bin/env bash
# Public streams: the forwarder's lag (internal event created -> received from the tenant's stream) at a steady rate
# of internal events, beside the direct path (the same events produced to a topic and consumed) in the same run.
# Starts its own PostgreSQL and Kafka (devstack, as the tests do) and the real access-service; prints BENCH lines.
# Needs only JDK 17 and the Maven repository the build uses (no Docker).
#   bench/public-streams/run.sh                                # 5000 events/s for 20 s
#   BENCH_RATE=8000 BENCH_SECONDS=30 bench/public-streams/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RATE="${BENCH_RATE:-5000}"
SECONDS_="${BENCH_SECONDS:-20}"
LOG="$(mktemp -t public-streams-bench.XXXXXX.log)"
# one Maven at a time on this machine (/tmp/mvn.lock), unless this script already runs under it
. bench/maven-lock.sh
PROPS="${BENCH_EXTRA:-} -Dgallery.bench=true -Dbench.rate=$RATE -Dbench.seconds=$SECONDS_"
"${LOCK[@]}" ./mvnw -B -o verify -pl devstack/kafka-dist,access-service -am -Dtest=ForwarderLagBenchmark \
  -Dsurefire.failIfNoSpecifiedTests=false -DskipITs $PROPS -DargLine="$PROPS -Xmx1g" \
  >"$LOG" 2>&1 || { tail -50 "$LOG"; echo "benchmark failed; log: $LOG"; exit 1; }
grep -h "BENCH" "$LOG" | sed 's/^.*BENCH/BENCH/'
echo "target: forwarded p99 < 1000 ms at 5000 events/s (full log: $LOG; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
