#!/usr/bin/env bash
# The chunk index (issue 16): the on-disk RocksDB index against the former on-heap map, in one run.
# IndexBench inserts synthetic digests (no chunk data) in commits of 8192, looks up 1M present and 1M absent ones
# (and 1M in batches of 256, as a copy does), reopens the index, and measures heap and disk bytes per entry; then the
# same for the former ConcurrentHashMap loaded from index.bin, at the sizes the 512 MiB heap holds.
#   cd /work/main && flock /tmp/mvn.lock bash bench/replication/index.sh [entries ...]   (default: 1000000 10000000)
# Needs the module compiled (./mvnw -o test-compile -pl replication-service -am) and rocksdbjni in ~/.m2 (the build
# fetches it). Needs about 70 bytes of disk per entry under $BENCH_DIR (/tmp/index-bench): 100M entries, ~7 GB.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="${BENCH_DIR:-/tmp/index-bench}"
sizes=("${@:-1000000 10000000}")
read -r -a sizes <<< "${sizes[*]}"
rm -rf "$work"; mkdir -p "$work"
events_classes="$here/events/target/classes" # this tree's, built by -am (not a SNAPSHOT in ~/.m2 another tree installed)
rocks_ver="$(sed -n 's:.*<rocksdb.version>\(.*\)</rocksdb.version>.*:\1:p' "$here/pom.xml")"
rocks_jar="$HOME/.m2/repository/org/rocksdb/rocksdbjni/$rocks_ver/rocksdbjni-$rocks_ver-linux64.jar"
cp_="$here/replication-service/target/classes:$here/replication-service/target/test-classes:$events_classes:$rocks_jar"
# the JVM replication-service runs in (devstack LocalStack.jvmOptions, deploy/)
java -Xms512m -Xmx512m -XX:+UseParallelGC ${INDEX_JAVA_OPTS:-} -cp "$cp_" dev.imagegallery.replication.store.fs.IndexBench "$work" \
  "${sizes[@]}" | tee "$work/figures.txt"
rm -rf "$work"/rocks-* "$work"/map-*
python3 - "$work/figures.txt" "${sizes[@]}" <<'PY'
import sys
fig = dict(l.strip().split("=") for l in open(sys.argv[1]) if "=" in l)
g = lambda k: float(fig[k]) if k in fig else None
def fmt(v, unit=""):
    if v is None: return "-"
    return f"{v:,.0f}{unit}" if v >= 100 else f"{v:.2f}{unit}"
rows = [("inserts/s", "inserts_per_s", ""), ("lookups/s, present", "lookups_present_per_s", ""),
        ("lookups/s, absent", "lookups_absent_per_s", ""), ("lookups/s, batches of 256", "lookups_batched_per_s", ""),
        ("open (start-up)", "open_s", " s"), ("disk bytes/entry", "disk_bytes_per_entry", ""),
        ("heap bytes/entry (open, looked up)", "heap_bytes_per_entry_open", "")]
print(f"{'entries':>11}  {'figure':<36} {'on-disk RocksDB':>16} {'on-heap map (before)':>21} {'ratio':>8}")
for n in sys.argv[2:]:
    fits = g(f"map_{n}_fits_heap")
    for name, k, unit in rows:
        r, m = g(f"rocks_{n}_{k}"), g(f"map_{n}_{k}") if fits else None
        ratio = f"{r / m:.2f}x" if r is not None and m else ("no fit" if not fits else "-")
        need = g(f"map_{n}_heap_bytes_needed")
        nofit = f"needs {need / 2**20:,.0f} MiB" if need else "no fit"
        print(f"{int(n):>11,}  {name:<36} {fmt(r, unit):>16} {fmt(m, unit) if fits else nofit:>21} {ratio:>8}")
PY
