// Stands in for the `bindings` package (better-sqlite3's loader) inside the executable.
'use strict';
const { loadEmbeddedAddon } = require('./load-addon.cjs');

module.exports = function bindings(name) {
  return loadEmbeddedAddon(String(name).replace(/\.node$/, '') + '.node');
};
