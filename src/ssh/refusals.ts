/**
 * What the bastion refuses, and the words the client sees. A bastion forwards ports; it does not
 * run programs or move files, so anything that would need a real shell, a file system or a
 * listening socket on the server is refused with a message that says so.
 */
export const REFUSAL = {
  sftp: 'sks5: sftp is not available on this bastion (no file transfer); use ssh -L or ssh -D to reach a host',
  subsystem: (name: string): string => `sks5: subsystem "${name}" is not available on this bastion`,
  remoteForward: 'remote port forwarding (ssh -R) is not available on this bastion',
  streamlocal: 'Unix socket forwarding is not available on this bastion',
  agent: 'sks5: agent forwarding is not available on this bastion',
  x11: 'sks5: X11 forwarding is not available on this bastion',
  shellDisabled: 'shell access is disabled for this account',
  noPty: 'sks5: this key does not allow a terminal (no-pty)',
  forcedCommand: 'sks5: this key carries a forced command; sessions are refused (port forwarding only)',
  keyNoForwarding: 'port forwarding is not allowed for this key',
  keyPermitOpen: (host: string, port: number): string => `${host}:${port} is not in this key's permitopen list`,
} as const;

/**
 * Programs that would touch real files, spawn processes or open raw sockets. `ssh host bash`,
 * `scp -t`, `rsync --server` and friends are named here so they get a precise refusal rather than
 * "unknown command". The shell emulator's own `cat`, `ls`, `env`, `echo` work on its virtual
 * file system and are not listed.
 */
const REFUSED_PROGRAMS = new Set([
  'sh', 'bash', 'zsh', 'ksh', 'csh', 'tcsh', 'fish', 'dash', 'ash', 'busybox', 'exec', 'sudo', 'su',
  'scp', 'sftp', 'sftp-server', 'rsync', 'tar', 'cp', 'mv', 'rm', 'dd', 'tee', 'git', 'git-upload-pack', 'git-receive-pack',
  'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'curl', 'wget',
  'python', 'python3', 'perl', 'ruby', 'node', 'php', 'lua', 'awk', 'vi', 'vim', 'nano',
]);

export const MAX_EXEC_COMMAND = 4096;

/** The program an exec request names: first word, path stripped (`/usr/bin/scp -t .` -> `scp`). */
export function programOf(command: string): string {
  const first = command.trim().split(/\s+/, 1)[0] ?? '';
  return first.slice(first.lastIndexOf('/') + 1);
}

/** A refusal message when `command` must not run, else undefined (left to the shell emulator). */
export function execRefusal(command: string): string | undefined {
  if (command.length > MAX_EXEC_COMMAND) return `sks5: command longer than ${MAX_EXEC_COMMAND} bytes refused`;
  const program = programOf(command);
  if (REFUSED_PROGRAMS.has(program) || /^python\d|^perl\d|^(ba|z|k)?sh\b/.test(program)) {
    // "command not found" is what the original answered and what scripts written for it match on.
    return `sks5: ${program}: command not found (this bastion does not run programs or give file access; use ssh -L or ssh -D for port forwarding)`;
  }
  return undefined;
}
