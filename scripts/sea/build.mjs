#!/usr/bin/env node
// `npm run package`: release/sks5-linux-x64 and release/sshgate-linux-x64 as Node single executable
// applications (Node 20 SEA). Each is this Node binary with one CommonJS bundle of the compiled
// dist/ (esbuild) and the native addons as assets (argon2, better-sqlite3, ssh2's crypto binding and
// cpu-features), which src/sea/embedded-addons.ts writes into a private cache and checks by SHA-256.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'release');
const WORK = join(OUT, 'build');
const SHIMS = join(ROOT, 'scripts', 'sea', 'shims');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`release builds are linux-x64; this is ${process.platform}-${process.arch}`);
if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'sks5.js'))) throw new Error('dist/ is missing: run npm run build first');

// Asset name -> the file in node_modules that Node would have loaded.
const ADDONS = {
  'argon2.node': 'node_modules/argon2/prebuilds/linux-x64/argon2.glibc.node',
  'better_sqlite3.node': 'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  'sshcrypto.node': 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node',
  'cpufeatures.node': 'node_modules/cpu-features/build/Release/cpufeatures.node',
};
const hashes = {};
for (const [name, rel] of Object.entries(ADDONS)) {
  const file = join(ROOT, rel);
  if (!existsSync(file)) throw new Error(`${rel} is missing: npm ci builds it (allowScripts in package.json)`);
  hashes[name] = createHash('sha256').update(readFileSync(file)).digest('hex');
}

function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Redirects the addon loaders, .node files and our createRequire calls to the shims. */
const seaPlugin = {
  name: 'sea',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: join(SHIMS, 'bindings.cjs') }));
    b.onResolve({ filter: /^node-gyp-build$/ }, () => ({ path: join(SHIMS, 'node-gyp-build.cjs') }));
    b.onResolve({ filter: /\.node$/ }, (args) => ({ path: basename(args.path), namespace: 'sea-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'sea-addon' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(join(SHIMS, 'load-addon.cjs'))}).loadEmbeddedAddon(${JSON.stringify(args.path)});`,
      resolveDir: SHIMS,
    }));
    // ws's optional accelerators are not installed; fail their require() the way a missing package does,
    // instead of letting the SEA require print its "only built-in modules" warning at every start.
    b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (args) => ({ path: args.path, namespace: 'sea-absent' }));
    b.onLoad({ filter: /.*/, namespace: 'sea-absent' }, (args) => ({
      contents: `throw Object.assign(new Error(${JSON.stringify(`Cannot find module '${args.path}'`)}), { code: 'MODULE_NOT_FOUND' });`,
    }));
    b.onResolve({ filter: /^node:module$/ }, (args) => (args.importer.startsWith(join(ROOT, 'dist', 'src')) ? { path: join(SHIMS, 'module.cjs') } : undefined));
  },
};

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const sha = commit();
const report = [];
for (const name of ['sks5', 'sshgate']) {
  const bundle = join(WORK, `${name}.cjs`);
  await build({
    entryPoints: [join(ROOT, 'scripts', 'sea', `entry-${name}.mjs`)],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    // import.meta only reaches the createRequire calls, which the module shim ignores.
    define: { __SKS5_COMMIT__: JSON.stringify(sha), __SKS5_ADDONS__: JSON.stringify(hashes), 'import.meta.url': '"file:///sks5-sea"' },
    plugins: [seaPlugin],
  });
  const seaConfig = join(WORK, `${name}.sea.json`);
  const blob = join(WORK, `${name}.blob`);
  writeFileSync(seaConfig, JSON.stringify({
    main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true,
    assets: Object.fromEntries(Object.entries(ADDONS).map(([asset, rel]) => [asset, join(ROOT, rel)])),
  }, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { cwd: WORK, stdio: 'inherit' });
  const exe = join(OUT, `${name}-linux-x64`);
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { stdio: 'pipe' });
  report.push(`${exe} (${(readFileSync(exe).length / 1e6).toFixed(1)} MB)`);
}
if (process.env['SEA_KEEP_BUILD'] !== '1') rmSync(WORK, { recursive: true, force: true });
console.log(`built${sha ? ` at commit ${sha}` : ''}:\n  ${report.join('\n  ')}`);
