// Stands in for node:module in our own code: createRequire(import.meta.url) has no file to resolve
// from inside the executable, so what our code requires that way is mapped here.
'use strict';
const { isBuiltin, createRequire: realCreateRequire } = require('node:module');

exports.isBuiltin = isBuiltin;
exports.createRequire = function createRequire() {
  return (id) => {
    // A literal require, so the bundler includes ssh2's tables; evaluated on first use, which keeps
    // ssh2 loading after padding-random (ssh2 copies crypto.randomFillSync when it loads).
    if (id === 'ssh2/lib/protocol/constants.js') return require('ssh2/lib/protocol/constants.js');
    if (isBuiltin(id)) return realCreateRequire(process.execPath)(id);
    throw new Error(`createRequire shim: ${id} is not bundled`);
  };
};
