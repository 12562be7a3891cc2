// Trunk post_build hook (see Trunk.toml): writes the service worker's MANIFEST into the staged
// sw.js and the MNIST cache's name into the staged index.html. Cache names are hashes of the
// built files, so any change to any file gives a new app cache (and a change to the data files a
// new MNIST cache), and the service worker of the new build deletes the old ones.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error("sw_manifest.mjs runs as Trunk's post_build hook (TRUNK_STAGING_DIR unset)");

/** Every file under `dir`, as paths relative to the staging folder with "/" separators. */
const filesUnder = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
  const p = path.join(dir, e.name);
  return e.isDirectory() ? filesUnder(p) : [path.relative(staging, p).split(path.sep).join("/")];
}).sort();

const hashOf = (files) => {
  const h = crypto.createHash("sha256");
  for (const f of files) h.update(f).update("\0").update(fs.readFileSync(path.join(staging, f))).update("\0");
  return h.digest("hex").slice(0, 16);
};

const files = filesUnder(staging).filter((f) => f !== "sw.js" && f !== "sw_manifest.mjs");
const mnist = files.filter((f) => f.startsWith("data/"));
const shell = files.filter((f) => !f.startsWith("data/"));
const manifest = {
  shellCache: `activation-race-shell-${hashOf(files)}`,
  mnistCache: `activation-race-mnist-${hashOf(mnist)}`,
  // "./" is the page as its folder's address serves it.
  shell: ["./", ...shell],
  mnist,
};

const edit = (file, from, to) => {
  const p = path.join(staging, file);
  const text = fs.readFileSync(p, "utf8");
  if (!text.includes(from)) throw new Error(`sw_manifest.mjs: ${JSON.stringify(from)} not found in ${file}`);
  fs.writeFileSync(p, text.replace(from, to));
};
edit("sw.js", "const MANIFEST = /* written by sw_manifest.mjs */ null;",
  `const MANIFEST = ${JSON.stringify(manifest, null, 2)};`);
edit("index.html", '<meta name="mnist-cache" content="">', `<meta name="mnist-cache" content="${manifest.mnistCache}">`);
console.log(`sw_manifest.mjs: ${manifest.shellCache}, ${manifest.mnistCache} (${shell.length} app files, ${mnist.length} data files)`);
