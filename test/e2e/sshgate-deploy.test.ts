import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ANSIBLE_DIR = join(process.cwd(), 'deploy', 'ansible');

test('the Ansible playbook passes ansible-playbook --syntax-check', () => {
  const r = spawnSync('ansible-playbook', ['--syntax-check', '-i', 'inventory', 'playbook.yml'], { cwd: ANSIBLE_DIR, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, 'ansible-playbook must be on PATH (installed here and in CI)');
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const play = readFileSync(join(ANSIBLE_DIR, 'playbook.yml'), 'utf8');
  for (const v of ['sshgate_routes', 'sshgate_allow_unknown', 'sshgate_max_fingerprints', 'sshgate_approved_fingerprints']) assert.match(play, new RegExp(`${v}:`));
  assert.match(play, /'--register'/);
});

test('the rendered unit carries routes, allow-unknown and hardening, without MemoryDenyWriteExecute', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sshgate-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const vars = {
    sshgate_user: 'sshgate', sshgate_group: 'sshgate', sshgate_node_binary: '/usr/bin/node', sshgate_install_dir: '/opt/sshgate',
    sshgate_db: '/var/lib/sshgate/sshgate.db', sshgate_config: '/etc/sshgate/config.json', sshgate_data_dir: '/var/lib/sshgate',
    sshgate_routes: ['[::]:2222=127.0.0.1:22', '0.0.0.0:2200=10.0.0.5:22'], sshgate_allow_unknown: true,
    sshgate_metrics_listen: '127.0.0.1:9123', sshgate_bind_privileged: false, sshgate_max_fingerprints: 5000,
  };
  for (const [tpl, out] of [['sshgate.service.j2', 'sshgate.service'], ['config.json.j2', 'config.json']] as const) {
    const r = spawnSync('ansible', ['localhost', '-i', 'localhost,', '-c', 'local', '-m', 'ansible.builtin.template',
      '-a', `src=${join(ANSIBLE_DIR, 'templates', tpl)} dest=${join(dir, out)}`, '-e', JSON.stringify(vars)], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  }
  const unit = readFileSync(join(dir, 'sshgate.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/sshgate\/current\/bin\/sshgate serve --db \/var\/lib\/sshgate\/sshgate.db --config \/etc\/sshgate\/config.json --route=\[::\]:2222=127.0.0.1:22 --route=0.0.0.0:2200=10.0.0.5:22 --allow-unknown --metrics-listen=127.0.0.1:9123$/m);
  assert.match(unit, /^ProtectSystem=strict$/m);
  assert.match(unit, /^ReadWritePaths=\/var\/lib\/sshgate$/m);
  assert.doesNotMatch(unit, /^MemoryDenyWriteExecute/m);
  assert.doesNotMatch(readFileSync(join(process.cwd(), 'deploy', 'systemd', 'sshgate.service'), 'utf8'), /^MemoryDenyWriteExecute/m);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), { max_fingerprints: 5000 });
});
