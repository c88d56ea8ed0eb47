// Stands in for `node-gyp-build` (argon2's loader) inside the executable; argon2 is its only user.
'use strict';
const { loadEmbeddedAddon } = require('./load-addon.cjs');

module.exports = function nodeGypBuild() {
  return loadEmbeddedAddon('argon2.node');
};
