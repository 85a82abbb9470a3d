#!/usr/bin/env bash
# Builds the claim contract's deployable wasm:
#   target/wasm32-unknown-unknown/contract/eligo_contract.wasm  (cargo's output)
#   target/contract/eligo_contract.wasm                          (deployable)
#
# Rust 1.87+ emits bulk-memory and sign-extension instructions for
# wasm32-unknown-unknown, which CosmWasm VMs refuse ("bulk memory support is
# not enabled"). binaryen's wasm-opt lowers them back to MVP instructions
# and shrinks the module, as CosmWasm's optimizer image does.
set -euo pipefail
cd "$(dirname "$0")/.."

BINARYEN_VERSION=132.0.0
in=target/wasm32-unknown-unknown/contract/eligo_contract.wasm
out=target/contract/eligo_contract.wasm

rustup target add wasm32-unknown-unknown >/dev/null
cargo build --profile contract --target wasm32-unknown-unknown -p eligo-contract --lib
if [ ! -x target/binaryen/node_modules/.bin/wasm-opt ]; then
  npm install --prefix target/binaryen --no-save --no-audit --no-fund --silent \
    "binaryen@$BINARYEN_VERSION"
fi
mkdir -p "$(dirname "$out")"
target/binaryen/node_modules/.bin/wasm-opt -Oz \
  --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types \
  --llvm-memory-copy-fill-lowering --signext-lowering \
  --strip-debug --strip-producers \
  "$in" -o "$out"
echo "cargo output: $(stat -c %s "$in") bytes; deployable: $out, $(stat -c %s "$out") bytes"
