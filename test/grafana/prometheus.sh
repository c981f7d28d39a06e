#!/usr/bin/env bash
# Test helper for the Grafana dashboard test (test/grafana/dashboard.live.test.ts): installs and starts a real
# Prometheus server (Debian's `prometheus` package).
#
#   test/grafana/prometheus.sh install   # make sure `prometheus` is on PATH (apt-get install if not); exit 77 = no apt
#   test/grafana/prometheus.sh start CONFIG DATA_DIR PORT   # exec prometheus on 127.0.0.1:PORT (foreground)
#   test/grafana/prometheus.sh test      # install, build, run the live dashboard test (what `make test-prometheus` runs)
#
# The test is skipped (loudly, exit 0) only when apt-get itself is unavailable; any other failure fails the target.
set -euo pipefail
cd "$(dirname "$0")/../.."

SKIP=77

banner() {
  printf '\n%s\n%s\n%s\n\n' "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" "!!! $*" \
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
}

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    echo "prometheus.sh: need root or passwordless sudo to run: $*" >&2; return 1; fi
}

install_prometheus() {
  if command -v prometheus >/dev/null 2>&1; then
    echo "prometheus.sh: $(prometheus --version 2>&1 | head -1)" >&2
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    banner "SKIPPED: Grafana dashboard test against Prometheus — no 'prometheus' on PATH and no apt-get to install it"
    return "${SKIP}"
  fi
  local started=${SECONDS}
  export DEBIAN_FRONTEND=noninteractive
  # The package's postinst only registers a systemd unit (policy-rc.d / no systemd: nothing is started).
  if ! as_root apt-get install -y -q --no-install-recommends prometheus >/tmp/oneflow-prometheus-apt.log 2>&1; then
    echo "prometheus.sh: apt-get install failed; refreshing package lists and retrying" >&2
    as_root apt-get update -q >>/tmp/oneflow-prometheus-apt.log 2>&1
    as_root apt-get install -y -q --no-install-recommends prometheus >>/tmp/oneflow-prometheus-apt.log 2>&1 || {
      tail -20 /tmp/oneflow-prometheus-apt.log >&2
      echo "prometheus.sh: could not install Debian's prometheus package (log: /tmp/oneflow-prometheus-apt.log)" >&2
      return 1
    }
  fi
  echo "prometheus.sh: installed $(prometheus --version 2>&1 | head -1) in $((SECONDS - started)) s" >&2
}

start_prometheus() {
  local config=$1 data=$2 port=$3
  exec prometheus --config.file="${config}" --storage.tsdb.path="${data}" \
    --web.listen-address="127.0.0.1:${port}" --log.level=warn
}

case "${1:-}" in
  install) install_prometheus ;;
  start) shift; start_prometheus "$@" ;;
  test)
    rc=0; install_prometheus || rc=$?
    if [[ ${rc} == "${SKIP}" ]]; then exit 0; fi
    if [[ ${rc} != 0 ]]; then exit "${rc}"; fi
    npx tsc -p tsconfig.json
    ONEFLOW_PROMETHEUS_TEST=1 node --test --test-reporter=spec dist/test/grafana/dashboard.live.test.js
    ;;
  *) echo "usage: $0 install | start CONFIG DATA_DIR PORT | test" >&2; exit 2 ;;
esac
