// One-shot SOCKS5 CONNECT used as a sanity check before measuring: that a path forwards at all
// (ssh -D through our server) and that our policy really refuses what the ACL denies.
import { connect, createServer } from 'node:net';

/**
 * CONNECT 127.0.0.1:targetPort through the SOCKS5 proxy on 127.0.0.1:proxyPort (with RFC 1929
 * auth when `user` is given), then a 4-byte echo when the reply is success.
 * Resolves to { rep } (SOCKS reply code; -1 = closed or timed out before a reply) and echoed.
 */
export function socksConnect({ proxyPort, user, pass, targetPort, timeoutMs = 8000 }) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: proxyPort });
    let buf = Buffer.alloc(0);
    let stage = 'greeting';
    let rep = -1;
    const finish = (echoed) => { clearTimeout(timer); s.destroy(); resolve({ rep, echoed }); };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const request = () => { stage = 'reply'; s.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, targetPort >> 8, targetPort & 255])); };
    s.on('error', () => finish(false));
    s.on('close', () => finish(false)); // no-op once finished
    s.on('connect', () => s.write(Buffer.from([5, 1, user ? 2 : 0])));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 'greeting' && buf.length >= 2) {
        buf = buf.subarray(2);
        if (!user) return request();
        stage = 'auth';
        const u = Buffer.from(user), p = Buffer.from(pass ?? '');
        s.write(Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]));
      }
      if (stage === 'auth' && buf.length >= 2) {
        if (buf[1] !== 0) return finish(false);
        buf = buf.subarray(2);
        request();
      }
      if (stage === 'reply' && buf.length >= 10) { // IPv4 bound address in every reply seen here
        rep = buf[1];
        buf = buf.subarray(10);
        if (rep !== 0) return finish(false);
        stage = 'echo';
        s.write('ping');
      }
      if (stage === 'echo' && buf.length >= 4) finish(buf.subarray(0, 4).toString() === 'ping');
    });
  });
}

/** Runs `fn(port)` with a loopback echo server listening on `port`, then closes it. */
export async function withEchoServer(fn) {
  const echo = createServer((s) => { s.on('error', () => {}); s.pipe(s); });
  await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
  try { return await fn(echo.address().port); } finally { echo.close(); }
}
