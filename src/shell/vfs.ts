/**
 * The shell's synthetic filesystem. It is data built per session from the user's name and the
 * configured hostname; nothing here ever reads the real disk, so `cat /etc/shadow` or
 * `cd ../../..` can only ever see these few nodes.
 */

export type VfsNode =
  | { readonly kind: 'dir'; readonly children: ReadonlyMap<string, VfsNode> }
  | { readonly kind: 'file'; readonly content: string };

/** Paths longer than this are refused before normalisation, so a pasted megabyte costs nothing. */
const MAX_PATH_CHARS = 1024;

function dir(entries: Record<string, VfsNode> = {}): VfsNode {
  return { kind: 'dir', children: new Map(Object.entries(entries)) };
}
function file(content: string): VfsNode {
  return { kind: 'file', content };
}

export interface VirtualFs {
  readonly home: string;
  /** Absolute, normalised path (no `.`/`..`, `~` expanded); undefined when too long. */
  resolve(cwd: string, path: string): string | undefined;
  lookup(absPath: string): VfsNode | undefined;
  /** `/home/alice` -> `~`, `/home/alice/x` -> `~/x`, for the prompt. */
  display(absPath: string): string;
}

export function createVirtualFs(options: { username: string; hostname: string; version: string }): VirtualFs {
  const { username, hostname, version } = options;
  const home = `/home/${username}`;
  const root = dir({
    etc: dir({
      hostname: file(`${hostname}\n`),
      'os-release': file(
        `NAME="sks5"\nPRETTY_NAME="sks5 restricted shell ${version}"\nID=sks5\nVERSION_ID="${version}"\n` +
          'HOME_URL="https://github.com/galti3r/sks5"\n',
      ),
      passwd: file(`root:x:0:0:root:/root:/usr/sbin/nologin\n${username}:x:1000:1000:${username}:${home}:/bin/sks5-shell\n`),
    }),
    home: dir({ [username]: dir() }),
    tmp: dir(),
    var: dir({ log: dir() }),
  });

  const lookup = (absPath: string): VfsNode | undefined => {
    let node: VfsNode | undefined = root;
    for (const part of absPath.split('/').filter(Boolean)) {
      if (node?.kind !== 'dir') return undefined;
      node = node.children.get(part);
    }
    return node;
  };

  const resolve = (cwd: string, path: string): string | undefined => {
    if (path.length > MAX_PATH_CHARS || cwd.length > MAX_PATH_CHARS) return undefined;
    let p = path;
    if (p === '~' || p.startsWith('~/')) p = home + p.slice(1);
    const start = p.startsWith('/') ? [] : cwd.split('/').filter(Boolean);
    for (const part of p.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') start.pop();
      else start.push(part);
    }
    return '/' + start.join('/');
  };

  const display = (absPath: string): string => {
    if (absPath === home) return '~';
    if (absPath.startsWith(home + '/')) return '~' + absPath.slice(home.length);
    return absPath;
  };

  return { home, resolve, lookup, display };
}
