/**
 * `sks5 backup -o FILE --token T [--api-addr URL]` and `sks5 restore -i FILE --token T`: the
 * original's commands over the management API. The file is the API's `data` (bans and quota
 * counters); restore accepts that or a whole enveloped response, so a backup always restores
 * (the original saved the envelope and then failed to restore it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

const MAX_BACKUP_BYTES = 4 * 1024 * 1024;

interface ApiOpts { apiAddr: string; token: string }

async function call(opts: ApiOpts, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: { success?: boolean; data?: unknown; error?: unknown } | undefined; text: string }> {
  const base = /^https?:\/\//.test(opts.apiAddr) ? opts.apiAddr : `http://${opts.apiAddr}`;
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${opts.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text) as { success?: boolean; data?: unknown; error?: unknown }; } catch { json = undefined; }
  return { status: res.status, json, text };
}

function problem(r: { status: number; json: { error?: unknown } | undefined; text: string }): string {
  return `HTTP ${r.status}: ${typeof r.json?.error === 'string' ? r.json.error : r.text.slice(0, 200)}`;
}

export function registerBackupRestore(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('save bans and quota counters from a running server (GET /api/backup)')
    .option('-o, --output <file>', 'where to write the backup', 'sks5-backup.json')
    .option('--api-addr <url>', 'management API address', 'http://127.0.0.1:9091')
    .requiredOption('--token <token>', 'API bearer token')
    .action(async (opts: ApiOpts & { output: string }) => {
      try {
        const r = await call(opts, 'GET', '/api/backup');
        if (r.status !== 200 || !r.json?.success) return ctx.fail(`backup failed: ${problem(r)}`);
        writeFileSync(opts.output, `${JSON.stringify(r.json.data, null, 2)}\n`, { mode: 0o600 });
        ctx.print(`backup written to ${opts.output}`);
      } catch (err) {
        ctx.fail(`backup failed: ${(err as Error).message}`);
      }
    });
  program
    .command('restore')
    .description('restore bans and quota counters into a running server (POST /api/restore)')
    .requiredOption('-i, --input <file>', 'a file written by `sks5 backup` (or a saved /api/backup response)')
    .option('--api-addr <url>', 'management API address', 'http://127.0.0.1:9091')
    .requiredOption('--token <token>', 'API bearer token')
    .action(async (opts: ApiOpts & { input: string }) => {
      let payload: unknown;
      try {
        const text = readFileSync(opts.input, 'utf8');
        if (Buffer.byteLength(text) > MAX_BACKUP_BYTES) return ctx.fail(`restore failed: ${opts.input} is larger than ${MAX_BACKUP_BYTES} bytes`);
        payload = JSON.parse(text);
      } catch (err) {
        return ctx.fail(`restore failed: cannot read ${opts.input}: ${(err as Error).message}`);
      }
      try {
        const r = await call(opts, 'POST', '/api/restore', payload);
        if (r.status !== 200 || !r.json?.success) return ctx.fail(`restore failed: ${problem(r)}`);
        const d = r.json.data as { restored_bans?: number; restored_quotas?: number };
        ctx.print(`restored ${d.restored_bans ?? 0} bans and ${d.restored_quotas ?? 0} quota records`);
      } catch (err) {
        ctx.fail(`restore failed: ${(err as Error).message}`);
      }
    });
}
