// Starts one lane's worker: the wasm-bindgen "no-modules" glue, then the wasm itself.
// Paths are relative to this script, so the page works under any base path.
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" }).catch((e) => {
  // Rethrow outside the promise so the page's worker.onerror reports it.
  setTimeout(() => {
    throw new Error("the lane's WebAssembly could not start: " + e);
  });
});
