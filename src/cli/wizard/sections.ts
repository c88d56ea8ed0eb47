/**
 * The interactive wizard's questions, in the original's 14 sections and order. Server and Users are
 * always asked; every other section can be skipped, which keeps the secure defaults the draft
 * started from (those of `wizard --non-interactive`).
 */
import type { PathPart } from '../../config/object-path.js';
import { generatePassword, generateToken } from '../../config/presets.js';
import { ask, confirm, integer, list, optionalText, text, yesNo, type Draft } from './draft.js';
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

const server: Section = {
  name: 'Server',
  async run({ p, draft }) {
    await ask(p, draft, 'SSH listen address (HOST:PORT)', ['server', 'ssh_listen'], text);
    await ask(p, draft, 'SOCKS5 listen address (HOST:PORT, none = off)', ['server', 'socks5_listen'], optionalText);
    await ask(p, draft, 'Host key file (created when missing)', ['server', 'host_key_path'], text);
  },
};

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

const security: Section = {
  name: 'Security',
  optional: true,
  async run({ p, draft }) {
    if (await ask(p, draft, 'Ban IPs after repeated auth failures?', ['security', 'ban_enabled'], yesNo)) {
      await ask(p, draft, 'Failures before a ban', ['security', 'ban_threshold'], integer);
      await ask(p, draft, 'Ban duration (seconds)', ['security', 'ban_duration'], integer);
    }
    await ask(p, draft, 'Refuse private/loopback/metadata destinations (anti-SSRF ip_guard)?', ['security', 'ip_guard_enabled'], yesNo);
    await ask(p, draft, 'Only accept clients from (IPs/CIDRs, comma-separated, none = anyone)', ['security', 'allowed_source_ips'], list);
  },
};

const acl: Section = {
  name: 'ACL',
  optional: true,
  async run({ p, draft }) {
    p.say('Rules: host:port, cidr:port, *.suffix:port, [ipv6]:port; ports 443, 80-443 or *.');
    await ask(p, draft, 'Policy when no rule matches (allow, deny)', ['acl', 'default_policy'], text);
    await ask(p, draft, 'Allow rules (comma-separated)', ['acl', 'allow'], list);
    await ask(p, draft, 'Deny rules (comma-separated, checked first)', ['acl', 'deny'], list);
  },
};

const api: Section = {
  name: 'API',
  optional: true,
  async run({ p, draft }) {
    if (!(await ask(p, draft, 'Enable the management API and dashboard?', ['api', 'enabled'], yesNo))) return;
    await ask(p, draft, 'API listen address (keep it on loopback)', ['api', 'listen'], text);
    // The generated token is not shown here: it is printed once with the credentials at the end.
    await ask(p, draft, 'API token (at least 16 characters; Enter = the generated one)', ['api', 'token'], { parse: (a) => ({ value: a }), show: () => 'generated' });
  },
};

const metrics: Section = {
  name: 'Metrics',
  optional: true,
  async run({ p, draft }) {
    if (await ask(p, draft, 'Serve Prometheus metrics?', ['metrics', 'enabled'], yesNo)) {
      await ask(p, draft, 'Metrics listen address', ['metrics', 'listen'], text);
    }
  },
};

const logging: Section = {
  name: 'Logging',
  optional: true,
  async run({ p, draft }) {
    await ask(p, draft, 'Log level (trace, debug, info, warn, error)', ['logging', 'level'], text);
    await ask(p, draft, 'Log format (pretty, json)', ['logging', 'format'], text);
    await ask(p, draft, 'Audit log file (none = off)', ['logging', 'audit_log_path'], optionalText);
  },
};

const groups: Section = {
  name: 'Groups',
  optional: false,
  async run({ p, draft }) {
    await addEntries(p, 'group', draft.config.groups.length, async (i) => {
      draft.trySet(['groups', i], { name: `group${i + 1}` });
      await ask(p, draft, 'Group name', ['groups', i, 'name'], text);
      await ask(p, draft, 'Bandwidth limit per user in kbit/s (0 = none)', ['groups', i, 'max_bandwidth_kbps'], integer);
      await ask(p, draft, 'Connections per user (0 = no limit)', ['groups', i, 'max_connections_per_user'], integer);
    });
  },
};

const geoip: Section = {
  name: 'GeoIP',
  optional: false,
  async run({ p, draft }) {
    if (!(await ask(p, draft, 'Filter clients by country (GeoIP)?', ['geoip', 'enabled'], yesNo))) return;
    await ask(p, draft, 'MaxMind database file (.mmdb)', ['geoip', 'database_path'], optionalText);
    await ask(p, draft, 'Allowed countries (ISO codes, comma-separated, none = all)', ['geoip', 'allowed_countries'], list);
    await ask(p, draft, 'Denied countries', ['geoip', 'denied_countries'], list);
  },
};

const webhooks: Section = {
  name: 'Webhooks',
  optional: false,
  async run({ p, draft }) {
    await addEntries(p, 'webhook', draft.config.webhooks.length, async (i) => {
      draft.trySet(['webhooks', i], { url: 'https://hooks.example.com/sks5' });
      await ask(p, draft, 'Webhook URL', ['webhooks', i, 'url'], text);
      await ask(p, draft, 'Events (comma-separated, none = all)', ['webhooks', i, 'events'], list);
      await ask(p, draft, 'Format (generic, slack, discord, custom)', ['webhooks', i, 'format'], text);
    });
  },
};

const alerting: Section = {
  name: 'Alerting',
  optional: false,
  async run({ p, draft }) {
    if (!(await ask(p, draft, 'Enable alerting?', ['alerting', 'enabled'], yesNo))) return;
    await addEntries(p, 'alert rule', draft.config.alerting.rules.length, async (i) => {
      const base: PathPart[] = ['alerting', 'rules', i];
      draft.trySet(base, { name: `rule${i + 1}`, condition: 'auth_failures', threshold: 10 });
      await ask(p, draft, 'Rule name', [...base, 'name'], text);
      await ask(p, draft, 'Condition (bandwidth_exceeded, connections_exceeded, auth_failures, monthly_bandwidth_exceeded, hourly_bandwidth_exceeded)', [...base, 'condition'], text);
      await ask(p, draft, 'Threshold', [...base, 'threshold'], integer);
      await ask(p, draft, 'Window (seconds)', [...base, 'window_secs'], integer);
    });
  },
};

const maintenance: Section = {
  name: 'Maintenance',
  optional: false,
  async run({ p, draft }) {
    await addEntries(p, 'maintenance window', draft.config.maintenance_windows.length, async (i) => {
      draft.trySet(['maintenance_windows', i], { schedule: 'Sun 02:00-04:00' });
      await ask(p, draft, 'Schedule ("Sun 02:00-04:00" or "daily 03:00-04:30")', ['maintenance_windows', i, 'schedule'], text);
      await ask(p, draft, 'Message shown to users', ['maintenance_windows', i, 'message'], text);
      await ask(p, draft, 'Disconnect existing sessions?', ['maintenance_windows', i, 'disconnect_existing'], yesNo);
    });
  },
};

const pool: Section = {
  name: 'Pool',
  optional: false,
  async run({ p, draft }) {
    if (!(await ask(p, draft, 'Pool idle upstream connections?', ['connection_pool', 'enabled'], yesNo))) return;
    await ask(p, draft, 'Idle connections kept per host', ['connection_pool', 'max_idle_per_host'], integer);
    await ask(p, draft, 'Idle timeout (seconds)', ['connection_pool', 'idle_timeout_secs'], integer);
  },
};

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
