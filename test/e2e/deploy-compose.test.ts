/**
 * compose.yaml against the Containerfile and the binary: it parses, publishes only ports the image
 * exposes and the configuration listens on, mounts only the image's volume and declared secrets, and
 * every variable is one sks5 reads (checked by the same overlay reader the server uses). The
 * container test (test/zz-container) then runs the image with this environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseDocument } from 'yaml';
import { readEnvOverlay } from '../../src/config/env.js';
import { ROOT } from '../helpers/sks5-process.js';
import { composeService, containerfileFacts } from '../helpers/image-files.js';

test('compose.yaml parses and names only ports, volumes, secrets and variables that exist', () => {
  const doc = parseDocument(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'));
  assert.deepEqual(doc.errors, []);
  const image = containerfileFacts(readFileSync(join(ROOT, 'Containerfile'), 'utf8'));
  const { service, top } = composeService(doc.toJS() as unknown, 'sks5');
  assert.equal(service.build?.dockerfile, 'Containerfile');

  const env = service.environment;
  const listenPort = (name: string): number => Number(String(env[name]).split(':').pop());
  const listened = new Set(['SKS5_SSH_LISTEN', 'SKS5_SOCKS5_LISTEN', 'SKS5_METRICS_LISTEN', 'SKS5_API_LISTEN'].filter((n) => n in env).map(listenPort));
  for (const spec of service.ports) {
    const container = Number(spec.split(':').pop());
    assert.ok(image.expose.includes(container), `${spec}: the image exposes ${container}`);
    assert.ok(listened.has(container), `${spec}: sks5 listens on ${container} with this environment`);
  }
  assert.deepEqual([...listened].sort((a, b) => a - b), [...image.expose].sort((a, b) => a - b), 'every exposed port is listened on and published');

  for (const v of service.volumes) {
    const [name, target] = v.split(':') as [string, string];
    assert.ok(name in (top.volumes ?? {}), `volume ${name} is declared`);
    assert.ok(image.volumes.includes(target), `${target} is the image's VOLUME`);
  }
  for (const s of service.secrets) assert.ok(s in (top.secrets ?? {}), `secret ${s} is declared`);
  assert.deepEqual(service.healthcheck?.test, ['CMD', ...image.healthcheck], 'the same probe as the image');

  // *_FILE variables point at /run/secrets/<a secret of this service>, as compose mounts them.
  const overlay = readEnvOverlay(env, (path) => {
    assert.equal(posix.dirname(path), '/run/secrets', path);
    assert.ok(service.secrets.includes(posix.basename(path)), `${path} is a secret of the service`);
    return posix.basename(path) === 'api_token' ? 'a-token-long-enough-0123456789' : '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
  });
  assert.deepEqual(overlay.issues, []);
  assert.deepEqual(overlay.warnings, []);
  assert.equal(overlay.definesUsers, true);
});
