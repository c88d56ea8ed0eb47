/**
 * The interactive wizard's questions, in the original's 14 sections and order. Server and Users are
 * always asked; every other section can be skipped, which keeps the secure defaults the draft
 * started from (those of `wizard --non-interactive`).
 */
import type { PathPart } from '../../config/object-path.js';
import { generatePassword } from '../../config/presets.js';
import { ask, confirm, integer, list, optionalText, text, yesNo, type Draft, type QuestionKind } from './draft.js';
import type { Prompter } from './prompter.js';

export interface WizardDeps {
  readonly p: Prompter;
  readonly draft: Draft;
  readonly hash: (password: string) => Promise<string>;
}

export interface WizardOutcome {
  /** Passwords the wizard generated (Enter at the password question), to print once. */
  readonly generatedPasswords: { username: string; password: string }[];
}

/** A syntactically valid placeholder while a new user's password is still being asked. */
export const PENDING_HASH = '$argon2id$pending';

interface Section {
  readonly name: string;
  /** undefined = always asked; otherwise the default answer to "Configure <name>?". */
  readonly optional?: boolean;
  run(d: WizardDeps, out: WizardOutcome): Promise<void>;
}

/** Repeats `askOne(index)` while the operator wants another entry; `start` is the first free index. */
async function addEntries(p: Prompter, what: string, start: number, askOne: (i: number) => Promise<void>): Promise<void> {
  for (let i = start; await confirm(p, `Add ${i === 0 ? 'a' : 'another'} ${what}?`, false); i++) await askOne(i);
}

async function askPassword(d: WizardDeps, username: string): Promise<{ password: string; generated: boolean }> {
  for (;;) {
    const first = await d.p.secret(`Password for "${username}" (Enter = generate one): `);
    if (first === '') return { password: generatePassword(), generated: true };
    // On a terminal the echo is off, so a typo would go unnoticed: ask twice.
    if (!d.p.interactiveTerminal) return { password: first, generated: false };
    const again = await d.p.secret('Repeat the password: ');
    if (again === first) return { password: first, generated: false };
    d.p.say('  ! the passwords do not match');
  }
}

/** One question, typed where it is written, run in order by the section helpers below. */
type Question = (p: Prompter, draft: Draft) => Promise<unknown>;

function q<T>(label: string, path: readonly PathPart[], kind: QuestionKind<T>): Question {
  return (p, draft) => ask(p, draft, label, path, kind);
}

async function askAll(p: Prompter, draft: Draft, questions: readonly Question[]): Promise<void> {
  for (const question of questions) await question(p, draft);
}

/** A section that is a list of questions, with an optional line of help first. */
function plain(name: string, optional: boolean | undefined, questions: readonly Question[], intro?: string): Section {
  return { name, ...(optional === undefined ? {} : { optional }), async run({ p, draft }) {
    if (intro) p.say(intro);
    await askAll(p, draft, questions);
  } };
}

/**
 * An on/off question whose follow-ups only matter when the answer is yes, then questions asked
 * either way. `enabled` is the yes/no question's label and path.
 */
function switched(name: string, optional: boolean, enabled: [string, readonly PathPart[]], whenOn: readonly Question[], always: readonly Question[] = []): Section {
  return { name, optional, async run({ p, draft }) {
    if (await ask(p, draft, enabled[0], enabled[1], yesNo)) await askAll(p, draft, whenOn);
    await askAll(p, draft, always);
  } };
}

/** Entries appended under `listPath` while the operator wants more: each seeded, then asked. */
async function addListed(p: Prompter, draft: Draft, what: string, listPath: readonly PathPart[], seed: (i: number) => object, questions: (base: PathPart[]) => readonly Question[]): Promise<void> {
  // Entries already in the draft (the defaults may have some) keep their place: new ones go after.
  const existing = listPath.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], draft.config);
  const start = Array.isArray(existing) ? existing.length : 0;
  await addEntries(p, what, start, async (i) => {
    const base: PathPart[] = [...listPath, i];
    draft.trySet(base, seed(i));
    await askAll(p, draft, questions(base));
  });
}

function repeated(name: string, what: string, listPath: readonly PathPart[], seed: (i: number) => object, questions: (base: PathPart[]) => readonly Question[]): Section {
  return { name, optional: false, async run({ p, draft }) { await addListed(p, draft, what, listPath, seed, questions); } };
}

const server = plain('Server', undefined, [
  q('SSH listen address (HOST:PORT)', ['server', 'ssh_listen'], text),
  q('SOCKS5 listen address (HOST:PORT, none = off)', ['server', 'socks5_listen'], optionalText),
  q('Host key file (created when missing)', ['server', 'host_key_path'], text),
]);

const users: Section = {
  name: 'Users',
  async run(d, out) {
    const { p, draft } = d;
    let i = 0;
    do {
      const base: PathPart[] = ['users', i];
      if (i > 0) draft.trySet(base, { username: `user${i + 1}`, password_hash: PENDING_HASH, role: 'user', allow_shell: false });
      const username = await ask(p, draft, `User ${i + 1}: username`, [...base, 'username'], text);
      const pw = await askPassword(d, username);
      draft.trySet([...base, 'password_hash'], await d.hash(pw.password));
      if (pw.generated) out.generatedPasswords.push({ username, password: pw.password });
      await ask(p, draft, 'Role (user, admin)', [...base, 'role'], text);
      await ask(p, draft, 'Allow the interactive shell?', [...base, 'allow_shell'], yesNo);
      i++;
    } while (await confirm(p, 'Add another user?', false));
  },
};

const security = switched('Security', true, ['Ban IPs after repeated auth failures?', ['security', 'ban_enabled']], [
  q('Failures before a ban', ['security', 'ban_threshold'], integer),
  q('Ban duration (seconds)', ['security', 'ban_duration'], integer),
], [
  q('Refuse private/loopback/metadata destinations (anti-SSRF ip_guard)?', ['security', 'ip_guard_enabled'], yesNo),
  q('Only accept clients from (IPs/CIDRs, comma-separated, none = anyone)', ['security', 'allowed_source_ips'], list),
]);

const acl = plain('ACL', true, [
  q('Policy when no rule matches (allow, deny)', ['acl', 'default_policy'], text),
  q('Allow rules (comma-separated)', ['acl', 'allow'], list),
  q('Deny rules (comma-separated, checked first)', ['acl', 'deny'], list),
], 'Rules: host:port, cidr:port, *.suffix:port, [ipv6]:port; ports 443, 80-443 or *.');

const api = switched('API', true, ['Enable the management API and dashboard?', ['api', 'enabled']], [
  q('API listen address (keep it on loopback)', ['api', 'listen'], text),
  // The generated token is not shown here: it is printed once with the credentials at the end.
  q('API token (at least 16 characters; Enter = the generated one)', ['api', 'token'], { parse: (a) => ({ value: a }), show: () => 'generated' }),
]);

const metrics = switched('Metrics', true, ['Serve Prometheus metrics?', ['metrics', 'enabled']], [
  q('Metrics listen address', ['metrics', 'listen'], text),
]);

const logging = plain('Logging', true, [
  q('Log level (trace, debug, info, warn, error)', ['logging', 'level'], text),
  q('Log format (pretty, json)', ['logging', 'format'], text),
  q('Audit log file (none = off)', ['logging', 'audit_log_path'], optionalText),
]);

const groups = repeated('Groups', 'group', ['groups'], (i) => ({ name: `group${i + 1}` }), (base) => [
  q('Group name', [...base, 'name'], text),
  q('Bandwidth limit per user in kbit/s (0 = none)', [...base, 'max_bandwidth_kbps'], integer),
  q('Connections per user (0 = no limit)', [...base, 'max_connections_per_user'], integer),
]);

const geoip = switched('GeoIP', false, ['Filter clients by country (GeoIP)?', ['geoip', 'enabled']], [
  q('MaxMind database file (.mmdb)', ['geoip', 'database_path'], optionalText),
  q('Allowed countries (ISO codes, comma-separated, none = all)', ['geoip', 'allowed_countries'], list),
  q('Denied countries', ['geoip', 'denied_countries'], list),
]);

const webhooks = repeated('Webhooks', 'webhook', ['webhooks'], () => ({ url: 'https://hooks.example.com/sks5' }), (base) => [
  q('Webhook URL', [...base, 'url'], text),
  q('Events (comma-separated, none = all)', [...base, 'events'], list),
  q('Format (generic, slack, discord, custom)', [...base, 'format'], text),
]);

const alerting: Section = {
  name: 'Alerting',
  optional: false,
  async run({ p, draft }) {
    if (!(await ask(p, draft, 'Enable alerting?', ['alerting', 'enabled'], yesNo))) return;
    await addListed(p, draft, 'alert rule', ['alerting', 'rules'], (i) => ({ name: `rule${i + 1}`, condition: 'auth_failures', threshold: 10 }), (base) => [
      q('Rule name', [...base, 'name'], text),
      q('Condition (bandwidth_exceeded, connections_exceeded, auth_failures, monthly_bandwidth_exceeded, hourly_bandwidth_exceeded)', [...base, 'condition'], text),
      q('Threshold', [...base, 'threshold'], integer),
      q('Window (seconds)', [...base, 'window_secs'], integer),
    ]);
  },
};

const maintenance = repeated('Maintenance', 'maintenance window', ['maintenance_windows'], () => ({ schedule: 'Sun 02:00-04:00' }), (base) => [
  q('Schedule ("Sun 02:00-04:00" or "daily 03:00-04:30")', [...base, 'schedule'], text),
  q('Message shown to users', [...base, 'message'], text),
  q('Disconnect existing sessions?', [...base, 'disconnect_existing'], yesNo),
]);

// The original's keys, accepted and written; sks5 itself never pools (the start-up log says why).
const pool = switched('Pool', false, ['Pool idle upstream connections? (compatibility only: sks5 never hands one client\'s connection to another)', ['connection_pool', 'enabled']], [
  q('Idle connections kept per host', ['connection_pool', 'max_idle_per_host'], integer),
  q('Idle timeout (seconds)', ['connection_pool', 'idle_timeout_secs'], integer),
]);

const upstream: Section = {
  name: 'Upstream',
  optional: false,
  async run({ p, draft }) {
    // The table is present or absent as a whole: "none" removes it rather than leaving it without a url.
    await ask(p, draft, 'Upstream SOCKS5 proxy for all traffic (socks5://[user:pass@]host:port, none = direct)', ['upstream_proxy'], {
      parse: (a) => ({ value: a.toLowerCase() === 'none' ? undefined : { url: a } }),
      show: (v: { url: string } | undefined) => v?.url ?? 'none',
    });
  },
};

export const SECTIONS: readonly Section[] = [server, users, security, acl, api, metrics, logging, groups, geoip, webhooks, alerting, maintenance, pool, upstream];

export async function runSections(d: WizardDeps): Promise<WizardOutcome> {
  const out: WizardOutcome = { generatedPasswords: [] };
  for (const [i, s] of SECTIONS.entries()) {
    d.p.say(`\n== ${i + 1}/${SECTIONS.length} ${s.name} ==`);
    if (s.optional !== undefined && !(await confirm(d.p, `Configure ${s.name}? (No keeps the defaults)`, s.optional))) continue;
    await s.run(d, out);
  }
  return out;
}
