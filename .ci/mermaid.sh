#!/usr/bin/env bash
# A local copy of mermaid.js for the example's browser test (its /model page draws the model with
# Mermaid; the test checks the drawing). Downloads the pinned release from the npm registry once,
# checks its integrity, and prints the path of dist/mermaid.min.js.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=11.12.1
INTEGRITY=sha512-UlIZrRariB11TY1RtTgUWp65tphtBv4CSq7vyS2ZZ2TgoMjs2nloq+wFqxiwcxlhHUvs7DPGgMjs2aeQxz5h9g==
DIR=target/ci-mermaid/$VERSION
JS=$DIR/mermaid.min.js

if [ ! -s "$JS" ]; then
  mkdir -p "$DIR"
  curl -fsSL --retry 3 -o "$DIR/mermaid.tgz" "https://registry.npmjs.org/mermaid/-/mermaid-$VERSION.tgz" >&2
  got="sha512-$(openssl dgst -sha512 -binary "$DIR/mermaid.tgz" | openssl base64 -A)"
  if [ "$got" != "$INTEGRITY" ]; then
    echo "mermaid-$VERSION.tgz: integrity $got, expected $INTEGRITY" >&2
    exit 1
  fi
  tar -xzf "$DIR/mermaid.tgz" -C "$DIR" package/dist/mermaid.min.js
  mv "$DIR/package/dist/mermaid.min.js" "$JS"
  rm -rf "$DIR/package" "$DIR/mermaid.tgz"
fi
realpath "$JS"
