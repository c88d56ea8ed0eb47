// The sshgate executable's entry (bin/sshgate without the file system layout): exit after main so a
// drained `serve` does not linger on keep-alive handles.
import { main } from '../../dist/src/cli/sshgate.js';

main(process.argv.slice(2)).then((code) => process.exit(code));
