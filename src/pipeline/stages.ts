/**
 * The ordered stages of one connection, as data. docs/pipeline.md draws the same list and a test
 * keeps the two in agreement.
 */
export const STAGES = [
  { name: 'accept', socks5: 'close', ssh: 'close' },
  { name: 'admission', socks5: 'close; 0xFF once greeting read', ssh: 'close before our banner' },
  { name: 'handshake', socks5: 'close', ssh: 'policy deny' },
  { name: 'auth', socks5: 'RFC 1929 status 0x01', ssh: 'USERAUTH_FAILURE (+ methods left)' },
  { name: 'authorize', socks5: 'reply 0x02', ssh: 'CHANNEL_OPEN_FAILURE 1 + reason' },
  { name: 'limits', socks5: 'reply 0x02', ssh: 'CHANNEL_OPEN_FAILURE 1 + reason' },
  { name: 'connect', socks5: 'reply 0x03/0x04/0x05/0x06', ssh: 'CHANNEL_OPEN_FAILURE 2 + reason' },
  { name: 'relay', socks5: 'close + audit event', ssh: 'channel close + audit event' },
] as const;

export type StageName = (typeof STAGES)[number]['name'];
