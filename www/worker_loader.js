// Starts one lane's worker: the wasm-bindgen "no-modules" glue, then the wasm itself.
// Two builds of the lane worker exist: `worker_relaxed` uses WebAssembly relaxed SIMD (fused
// multiply-add: faster matrix products, by how much depends on the CPU — see the README's speed
// section) and only loads where the browser supports it;
// `worker` is the plain-SIMD fallback. This tiny module (an i8x16.relaxed_swizzle) tells which.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0,
  65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11,
]);
const name = WebAssembly.validate(RELAXED_SIMD_PROBE) ? "worker_relaxed" : "worker";
// Paths are relative to this script, so the page works under any base path.
importScripts(`./${name}.js`);
wasm_bindgen({ module_or_path: `./${name}_bg.wasm` }).catch((e) => {
  // Rethrow outside the promise so the page's worker.onerror reports it.
  setTimeout(() => {
    throw new Error(`the lane's WebAssembly (${name}) could not start: ${e}`);
  });
});
