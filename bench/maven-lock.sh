#!/usr/bin/env bash
# Shared by the benchmarks that run Maven: one Maven at a time on this machine (/tmp/mvn.lock), unless the script
# already runs under that lock (`flock /tmp/mvn.lock bench/x/run.sh` would otherwise wait for itself forever).
# Sets LOCK to the command prefix to use: "${LOCK[@]}" ./mvnw ...
under_lock() {
  local pid=$$ cmd
  while [ "$pid" -gt 1 ] 2>/dev/null; do
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    case "$cmd" in "flock /tmp/mvn.lock "*) return 0 ;; esac
    pid="$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || echo 1)"
  done
  return 1
}
if under_lock; then LOCK=(); else LOCK=(flock /tmp/mvn.lock); fi
