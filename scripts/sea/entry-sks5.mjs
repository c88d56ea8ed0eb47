// The sks5 executable's entry (bin/sks5 without the file system layout).
import { main } from '../../dist/src/cli/sks5.js';

main(process.argv.slice(2)).then((code) => { if (code !== 0) process.exitCode = code; });
