#!/usr/bin/env bash
# The Azure Blob store's index on open (issue 16), against Azurite, each figure beside the download of the index blob
# alone in the same run (the floor of any load of it; the former on-heap index paid it, plus its map, at every start):
# ENTRIES synthetic index records (default 1,000,000; no chunk data) opened with no local copy (rebuilt into RocksDB),
# with a copy that notes them all (nothing read), and with TAIL (default 10,000) records appended since its note.
#   cd /work/main && flock /tmp/mvn.lock bash bench/replication/azure-index.sh [ENTRIES [TAIL]]
# Compiles the module first (test-compile, offline) for its class path; needs node and npm (Azurite is
# installed into ~/.cache/image-gallery as the tests install it; Debian: apt-get install nodejs npm).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="${BENCH_DIR:-/tmp/azure-index-bench}"
entries="${1:-1000000}"; tail_="${2:-10000}"
rm -rf "$work"; mkdir -p "$work"
(cd "$here" && ./mvnw -B -o -q test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -pl replication-service -am -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/classpath.txt" >/dev/null)
cp_="$here/replication-service/target/classes:$here/replication-service/target/test-classes:$here/events/target/classes:$(cat "$work/classpath.txt")"
# the JVM replication-service runs in (devstack LocalStack.jvmOptions, deploy/)
java -Xms512m -Xmx512m -XX:+UseParallelGC ${AZ_BENCH_JAVA_OPTS:-} -cp "$cp_" dev.imagegallery.replication.bench.AzureIndexBench "$work" \
  "$entries" "$tail_" | tee "$work/figures.txt"
python3 - "$work/figures.txt" <<'PY'
import sys
f = dict(l.strip().split("=") for l in open(sys.argv[1]) if "=" in l)
d = float(f["download_s"])
print(f"\n{int(f['index_entries']):,} index records ({int(f['index_blob_bytes'])/2**20:.0f} MiB blob); "
      f"baseline: downloading the blob alone {d:.2f} s")
for k, what in [("rebuild", "open, no local copy (rebuilt)"), ("current", "open, copy current"),
                ("tail", "open, copy behind by the tail")]:
    s = float(f[k + "_s"])
    print(f"  {what:<34} {s:7.2f} s  {s/d:6.2f}x the download   rebuilt: {'yes' if f[k + '_was_rebuilt'] == '1' else 'no'}")
print(f"  heap used after an open (after GC): {f['heap_used_after_open_mib']} MiB")
PY
rm -rf "$work"/a "$work"/b
