/**
 * pino logger: `pretty` (human, colourised) or `json`. Secrets are never passed to the logger; the
 * redact paths are a second line of defence for fields that might carry one by mistake.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export function createLogger(opts: { level: string; format: 'pretty' | 'json'; destination?: NodeJS.WritableStream }): Logger {
  const redact = { paths: ['password', '*.password', 'password_hash', '*.password_hash', 'token', '*.token', 'totp_secret', '*.totp_secret', 'secret', '*.secret'], censor: '***' };
  const base = { level: opts.level, redact, base: null };
  if (opts.format === 'json') {
    return pino({ ...base, timestamp: pino.stdTimeFunctions.isoTime }, opts.destination ?? process.stdout);
  }
  const stream = pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:standard', ignore: 'pid,hostname', destination: (opts.destination ?? 1) as never, sync: true });
  return pino(base, stream);
}
