#!/usr/bin/env bash
# Bursts of versions (issue 16), each figure beside a baseline measured in the same run:
#   1. 1,000 versions of 1 MiB (each its own random content, so every copy moves its bytes) PUT through
#      catalog-service's API as fast as it takes them (8 clients), each to two regions (westeurope, where its source
#      blob was uploaded and which must be a target as the version's location, and northeurope, one replica each): the
#      time from the first PUT to every version's `replicationStatus.aggregatedState: Completed`, beside `cp`+`sync`
#      of the bytes the copies write (1,000 files of 1 MiB)
#      and beside the time the API took to accept the PUTs alone; target <= 60 s.
#   2. 50 versions of 1 MiB one after another on the idle stack: PUT to `aggregatedState: Completed` in both regions
#      (GET with $expand=ReplicationStatus every 20 ms), p50 and p99, beside the bare PUT round trip of the same
#      versions; targets p50 <= 1 s, p99 <= 3 s.
#   With spans on (BURST_SPANS=1), where the single-version latency goes, hop by hop, from the services' span files
#   (PUT, catalog's relay send of VersionPublished, replication's consumer, the copy, the relay send of
#   ReplicaCompleted, catalog's consumer).
# Starts its own stack beside any other (devstack's DevStack: embedded PostgreSQL, a KRaft Kafka broker, Keycloak, the
# four services from this checkout's packaged jars; every port shifted by BURST_PORT_OFFSET, 4000; run folder
# BURST_RUN_DIR, /tmp/burst-stack, kept between runs: Keycloak prepares itself once, about a minute) and stops it
# again. Build first: ./mvnw -B -o package -DskipTests (never install). Needs JDK 17, curl, python3, psql
# (postgresql-client: apt-get install postgresql-client).
#   bash bench/replication/burst.sh                 # 1000 versions, 50 sequential
#   BURST_VERSIONS=200 BURST_SEQUENTIAL=20 bash bench/replication/burst.sh
# BURST_WARMUP (1000): versions PUT and replicated first, not timed, so that the figures are of warmed services (right
# after a start the JIT compilers took a quarter of the stack's CPU during the burst); 3 for a cold stack.
# BURST_FRESH=0 keeps the data of earlier runs; BURST_SPANS=1 writes span files (below). The driver prints the CPU each
# process of the stack used over the burst, per version.
set -euo pipefail
cd "$(dirname "$0")/../.."
OFF=${BURST_PORT_OFFSET:-4000}
RUN_DIR=${BURST_RUN_DIR:-/tmp/burst-stack}
N=${BURST_VERSIONS:-1000}
SEQ=${BURST_SEQUENTIAL:-50}
WORK=${BENCH_DIR:-/tmp/burst-bench}
for t in curl python3 psql java; do command -v $t >/dev/null || { echo "$t is missing" >&2; exit 1; }; done
for m in catalog-service replication-service access-service billing-service front-door; do
  [ -f "$m/target/quarkus-app/quarkus-run.jar" ] || { echo "$m is not packaged: ./mvnw -B -o package -DskipTests" >&2; exit 1; }
done
mkdir -p "$RUN_DIR" "$WORK"
# each run on empty databases, bus and stores (Keycloak's folder is kept: it prepares itself once): an earlier run's
# versions would count against the subscription's quota (10,000 versions in a region) and slow its counts, and its
# copies fill the disk (2 GiB a run)
# (only in a folder this script made: BURST_RUN_DIR pointed at a developer's own stack must not lose its data)
if [ "${BURST_FRESH:-1}" = 1 ]; then
  if [ -n "$(ls -A "$RUN_DIR" 2>/dev/null)" ] && [ ! -f "$RUN_DIR/.burst-stack" ]; then
    echo "$RUN_DIR holds data this script did not make: name an empty folder (BURST_RUN_DIR) or keep it (BURST_FRESH=0)" >&2
    exit 1
  fi
  rm -rf "$RUN_DIR/postgres" "$RUN_DIR/stores" "$RUN_DIR/kafka"
fi
touch "$RUN_DIR/.burst-stack"
SPANS="$RUN_DIR/spans"
rm -rf "$SPANS"; mkdir -p "$SPANS"
# BURST_SPANS=1: every service writes its spans to a file, and the driver prints where one version's time goes; the
# span files cost the stack about 15 ms of CPU per version (the burst took 66 s with them, 52 s without: 2026-12-05).
# Without (the default) the services make their traces but export none, as a stack with no exporter named.
[ "${BURST_SPANS:-0}" = 1 ] || SPANS=""
STACK_PID=""
stop_stack() {
  if [ -n "$STACK_PID" ] && kill -0 "$STACK_PID" 2>/dev/null; then
    kill -TERM "$STACK_PID"; wait "$STACK_PID" 2>/dev/null || true
  fi
}
trap stop_stack EXIT
rm -f "$RUN_DIR/ready" # a stack that was stopping when this started left it
echo "starting a stack on ports +$OFF (run folder $RUN_DIR; log $RUN_DIR/devstack.log)"
CP="devstack/target/classes:$(cat devstack/target/classpath.txt)"
# every service writes its spans to a file of its own there (DevStack's GALLERY_SPAN_DIR)
GALLERY_RUN_DIR="$RUN_DIR" GALLERY_PORT_OFFSET="$OFF" GALLERY_SPAN_DIR="$SPANS" \
  java -Xmx128m -cp "$CP" dev.imagegallery.devstack.DevStack > "$RUN_DIR/devstack.log" 2>&1 &
STACK_PID=$!
for _ in $(seq 1 900); do
  [ -f "$RUN_DIR/ready" ] && break
  kill -0 "$STACK_PID" 2>/dev/null || { tail -30 "$RUN_DIR/devstack.log"; echo "the stack did not start" >&2; exit 1; }
  sleep 1
done
[ -f "$RUN_DIR/ready" ] || { echo "the stack did not start within 15 minutes" >&2; exit 1; }
echo "stack up"

python3 bench/replication/burst.py --offset "$OFF" --versions "$N" --sequential "$SEQ" --work "$WORK" \
  --spans "$SPANS" --run-dir "$RUN_DIR" --warmup "${BURST_WARMUP:-1000}" --give-up "${BURST_GIVE_UP:-900}" --machine "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
