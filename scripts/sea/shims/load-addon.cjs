// Runtime side of the executable's native addons: asset -> verified file in the private cache -> dlopen.
// __SKS5_ADDONS__ (asset name -> SHA-256) is defined by scripts/sea/build.mjs. CommonJS, because the
// libraries that load addons require() them and expect the addon itself back.
'use strict';
const { getRawAsset } = require('node:sea');
const { homedir, constants } = require('node:os');
const { addonCacheDir, materializeAddon } = require('../../../dist/src/sea/embedded-addons.js');

const loaded = new Map();

exports.loadEmbeddedAddon = function loadEmbeddedAddon(name) {
  const hit = loaded.get(name);
  if (hit) return hit;
  const sha256 = __SKS5_ADDONS__[name];
  if (sha256 === undefined) throw new Error(`no native addon ${name} in this executable`);
  let home;
  try { home = homedir(); } catch { home = undefined; }
  const dir = addonCacheDir({ env: process.env, home });
  const file = materializeAddon(dir, name, { bytes: new Uint8Array(getRawAsset(name)), sha256 }, process.getuid());
  const mod = { exports: {} };
  process.dlopen(mod, file, constants.dlopen.RTLD_NOW);
  loaded.set(name, mod.exports);
  return mod.exports;
};
