#!/usr/bin/env bash
# Installs what the project needs, idempotently: npm packages (npm ci) when node_modules is
# missing or older than package-lock.json, the compiled JavaScript in dist/ (npm run build) when
# it is missing or older than the sources, and Verilator and Icarus Verilog (and, optionally,
# Chromium for the run report's browser test, Redis for the job queue's tests and Tcl for the
# vendor scripts' tests) from Debian's packages when they are not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The compiled JavaScript that bin/synergyflow.js runs (dist/), unless it is current already.
node scripts/build.js --quiet

missing=()
command -v verilator >/dev/null 2>&1 || missing+=(verilator)
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
# Chromium is optional: the run report's browser test (generator/report/report-browser.test.ts)
# renders the report in it, and is skipped, saying so, where it cannot be installed.
# Redis is optional too: the job queue's tests (generator/queue/queue.test.ts) start a private
# redis-server, and are skipped, saying so, where it cannot be installed.
# Tcl (tclsh) is optional as well: the vendor files' tests (generator/emit/vendor.test.ts) run
# the generated Vivado and Quartus scripts in it with stubbed vendor commands, and skip that
# part, saying so, without it.
optional=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || optional+=(chromium)
command -v redis-server >/dev/null 2>&1 || optional+=(redis-server)
command -v tclsh >/dev/null 2>&1 || optional+=(tcl)
if [ ${#missing[@]} -gt 0 ] || [ ${#optional[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
      if [ ${#missing[@]} -gt 0 ]; then
        echo "[setup] error: ${missing[*]} missing and not running as root; install them with your package manager" >&2
        exit 1
      fi
      echo "[setup] warning: ${optional[*]} missing and not running as root: their tests (report in Chromium, job queue on Redis, vendor scripts in tclsh) will be skipped" >&2
      exit 0
    fi
  fi
  echo "[setup] installing ${missing[*]} ${optional[*]} (apt-get)"
  "${sudo_cmd[@]}" apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # One at a time, so that one that cannot be installed does not keep the other out.
  for package in "${optional[@]}"; do
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$package" >/dev/null ||
      echo "[setup] warning: could not install $package: its tests (report in Chromium, job queue on Redis, vendor scripts in tclsh) will be skipped" >&2
  done
fi
