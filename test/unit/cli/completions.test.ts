import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { completionScript } from '../../../src/cli/completions.js';
import { CliContext } from '../../../src/cli/context.js';
import { manpage, roffEscape } from '../../../src/cli/manpage.js';
import { buildProgram } from '../../../src/cli/sks5.js';

const program = buildProgram(new CliContext({ out: () => {}, err: () => {}, env: {}, stdin: new PassThrough() }));
const SUBCOMMANDS = ['hash-password', 'check-config', 'quick-start', 'init', 'show-config', 'generate-totp', 'health-check', 'ssh-config', 'completions', 'manpage', 'backup', 'restore', 'demo', 'wizard'];

test('the program has the original subcommands', () => {
  assert.deepEqual(program.commands.map((c) => c.name()).sort(), [...SUBCOMMANDS].sort());
});

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell} completion names every subcommand and its flags`, () => {
    const s = completionScript(program, shell);
    for (const sub of SUBCOMMANDS) assert.ok(s.includes(sub), `${shell}: ${sub}`);
    for (const flag of ['config', 'force-env', 'preset', 'dynamic-forward', 'save-config']) assert.ok(s.includes(flag), `${shell}: ${flag}`);
    // Choices are offered as values.
    assert.ok(s.includes('bastion proxy dev'), shell);
  });
}

test('zsh descriptions escape colons and brackets; fish escapes quotes', () => {
  assert.ok(completionScript(program, 'zsh').includes('otpauth\\://'));
  assert.ok(completionScript(program, 'fish').includes("-d 'the first user\\'s password"));
});

test('the manpage has .TH, every subcommand, and the environment variables', () => {
  const m = manpage(program, '9.9.9');
  assert.match(m, /^\.TH SKS5 1 "" "sks5 9\.9\.9"/);
  for (const sub of SUBCOMMANDS) assert.ok(m.includes(`.SS "${sub}"`), sub);
  assert.ok(m.includes('SKS5_MAX_NEW_CONNECTIONS_PER_MINUTE_SERVER'));
  assert.ok(m.includes('SKS5_API_TOKEN\\fR (or \\fBSKS5_API_TOKEN_FILE'));
});

test('roff escaping neutralises control lines and backslashes', () => {
  assert.equal(roffEscape('.SH x'), '\\&.SH x');
  assert.equal(roffEscape('a\\b-c'), 'a\\eb\\-c');
});
