#!/usr/bin/env bash
# Installs what the project needs, idempotently: npm packages (npm ci) when node_modules is
# missing or older than package-lock.json, and Verilator and Icarus Verilog from Debian's
# packages when they are not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

missing=()
command -v verilator >/dev/null 2>&1 || missing+=(verilator)
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing ${missing[*]} (apt-get)"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
      echo "[setup] error: ${missing[*]} missing and not running as root; install them with your package manager" >&2
      exit 1
    fi
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
