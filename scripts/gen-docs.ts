/** `npm run gen`: regenerates docs/config.md and config.example.toml from the config schema. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGeneratedDocs } from '../src/cli/gen-docs.js';

// Compiled to dist/scripts/, two levels below the project root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const file of writeGeneratedDocs(root)) console.log(`wrote ${file}`);
