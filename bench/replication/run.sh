#!/usr/bin/env bash
# Replication benchmarks (issue 4), each figure beside its baseline measured in this run.
# Drives the store classes in-process (ReplicationBench: the Ingest/Replicator/ContentReader code the service runs
# behind HTTP and the job table), on make-image-pair.py output. Run it under the build lock:
#   cd /work/main && flock /tmp/mvn.lock bash bench/replication/run.sh
# Needs the module compiled (./mvnw -o test-compile -pl replication-service -am). Big files go under $BENCH_DIR (/tmp).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="${BENCH_DIR:-/tmp/repl-bench}"
size="${SIZE_MIB:-1024}"
heap_mib="${HEAP_IMAGE_MIB:-4096}"
mkdir -p "$work"
pair="$work/pair"
if [[ ! -f "$work/pair.json" || ! -f "$pair/v2.img" ]]; then
  python3 /work/shared/bench/make-image-pair.py "$pair" --size-mib "$size" --insert > "$work/pair.json"
fi
j() { python3 -c "import json,sys; print(json.load(open('$work/pair.json'))['$1'])"; }
v1="$(j v1)"; v2="$(j v2)"; changed="$(j changed_bytes)"; v1_bytes="$(j v1_bytes)"
command -v rsync >/dev/null || { echo "rsync missing: apt-get install -y rsync" >&2; exit 1; }

events_classes="$here/events/target/classes" # this tree's, built by -am (not a SNAPSHOT in ~/.m2 another tree installed)
rocks_ver="$(sed -n 's:.*<rocksdb.version>\(.*\)</rocksdb.version>.*:\1:p' "$here/pom.xml")"
rocks_jar="$HOME/.m2/repository/org/rocksdb/rocksdbjni/$rocks_ver/rocksdbjni-$rocks_ver-linux64.jar"
cp_="$here/replication-service/target/classes:$here/replication-service/target/test-classes:$events_classes:$rocks_jar"
# the JVM replication-service runs in (devstack LocalStack.jvmOptions, deploy/): its 512 MiB heap, the throughput GC
# the regions the services are configured with (common's default), unless GALLERY_REGIONS names others
regions="${GALLERY_REGIONS:-$(sed -n 's/^gallery.regions=//p' "$here/common/src/main/resources/META-INF/microprofile-config.properties")}"
jvm="-Xms512m -Xmx512m -XX:+UseParallelGC -Dgallery.regions=$regions"
now() { date +%s.%N; }
el() { python3 -c "print(f'{$2-$1:.3f}')"; }

cat "$v1" "$v2" > /dev/null # both sides start from the page cache
rm -rf "$work/cp" "$work/store" "$work/rsync" "$work/out.img"; mkdir -p "$work/cp/a" "$work/cp/b" "$work/rsync"

t=$(now); cp "$v1" "$work/cp/ingest.img"; sync; cp_one=$(el $t $(now))
t=$(now); cp "$v1" "$work/cp/a/v1.img"; cp "$v1" "$work/cp/b/v1.img"; sync; cp_two=$(el $t $(now))
cp "$v1" "$work/rsync/v.img"; sync
t=$(now); rsync --no-whole-file --inplace "$v2" "$work/rsync/v.img"; sync; rsync_s=$(el $t $(now))
t=$(now); cp "$work/cp/ingest.img" "$work/cp/download.img"; sync; cp_dl=$(el $t $(now))
rm -rf "$work/cp"

java $jvm -cp "$cp_" dev.imagegallery.replication.bench.ReplicationBench run "$work/store" "$v1" "$v2" \
  "$work/out.img" > "$work/figures.txt"
sync
f() { grep "^$1=" "$work/figures.txt" | cut -d= -f2; }
cmp -s "$v1" "$work/out.img" && dl_ok=identical || dl_ok=DIFFERENT
rm -rf "$work/store" "$work/out.img"
java $jvm -cp "$cp_" dev.imagegallery.replication.bench.ReplicationBench heap "$work/heapstore" "$heap_mib" \
  > "$work/heap.txt"
rm -rf "$work/heapstore"
h() { grep "^$1=" "$work/heap.txt" | cut -d= -f2; }

python3 - "$cp_one" "$cp_two" "$rsync_s" "$cp_dl" "$changed" "$v1_bytes" "$dl_ok" <<PY
import sys
cp_one, cp_two, rsync_s, cp_dl = map(float, sys.argv[1:5]); changed, v1b = int(sys.argv[5]), int(sys.argv[6])
fig = dict(l.strip().split("=") for l in open("$work/figures.txt"))
heap = dict(l.strip().split("=") for l in open("$work/heap.txt"))
mb = lambda b, s: b / s / 1e6
def row(name, value, base, ratio, target, ok):
    print(f"{name:<44} {value:>22} {base:>26} {ratio:>8.2f}x  {target:<10} {'PASS' if ok else 'FAIL'}")
print(f"{'figure':<44} {'replication-service':>22} {'baseline':>26} {'ratio':>9}  {'target':<10}")
ing = float(fig['ingest_v1_s']); r = mb(v1b, ing) / mb(v1b, cp_one)
row("ingest v1 (throughput)", f"{mb(v1b, ing):.0f} MB/s ({ing:.2f}s)", f"cp+sync {mb(v1b, cp_one):.0f} MB/s", r, ">= 0.5x", r >= 0.5)
rep = float(fig['replicate_v1_2regions_s']); r = rep / cp_two
row("full replication v1 -> 2 regions (wall)", f"{rep:.2f}s", f"2x cp+sync {cp_two:.2f}s", r, "<= 2x", r <= 2)
moved = int(fig['delta_v2_moved_bytes']); r = moved / changed
row("delta v2 -> 1 region (bytes moved)", f"{moved/2**20:.1f} MiB", f"changed_bytes {changed/2**20:.1f} MiB", r, "<= 1.25x", r <= 1.25)
d = float(fig['delta_v2_1region_s']); r = d / rsync_s
row("delta v2 -> 1 region (wall)", f"{d:.2f}s", f"rsync --no-whole-file {rsync_s:.2f}s", r, "<= 0.5x", r <= 0.5)
dl = float(fig['download_v1_s']); r = mb(v1b, dl) / mb(v1b, cp_dl)
row(f"download v1 (throughput, {sys.argv[7]})", f"{mb(v1b, dl):.0f} MB/s ({dl:.2f}s)", f"cp+sync {mb(v1b, cp_dl):.0f} MB/s", r, ">= 0.5x", r >= 0.5)
peak = int(heap['heap_peak_used_bytes']); r = peak / (512 * 2**20)
row(f"heap, {int(heap['heap_image_bytes'])>>20} MiB image ingest+2 replicas", f"{peak/2**20:.0f} MiB peak used ({int(heap['heap_after_gc_bytes'])/2**20:.0f} after GC)", "limit 512 MiB (-Xmx512m)", r, "<= 1x", r <= 1)
print(f"(v2 ingest {float(fig['ingest_v2_s']):.2f}s; delta v2 to the second region {float(fig['delta_v2_other_region_s']):.2f}s; "
      f"full v1 egress {int(fig['replicate_v1_egress_bytes'])/2**20:.0f} MiB for 2 regions; 4 GiB heap run: ingest "
      f"{float(heap['heap_ingest_s']):.1f}s, 2 replicas {float(heap['heap_replicate_2replicas_s']):.1f}s)")
PY
