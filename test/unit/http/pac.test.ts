import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { renderPac } from '../../../src/http/pac.js';

/** Runs the PAC as a browser would (shExpMatch is a browser built-in; a glob is enough here). */
function findProxy(pac: string, host: string): unknown {
  const shExpMatch = (s: string, glob: string): boolean => new RegExp(`^${glob.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(s);
  return runInNewContext(`${pac}\nFindProxyForURL("http://" + h + "/", h)`, { h: host, shExpMatch });
}

test('names the bound address; HTTPS for a TLS proxy; loopback stays DIRECT', () => {
  const pac = renderPac('10.1.2.3:3128', false, 'ignored:9090')!;
  assert.equal(findProxy(pac, 'example.com'), 'PROXY 10.1.2.3:3128');
  assert.equal(findProxy(pac, 'localhost'), 'DIRECT');
  assert.equal(findProxy(pac, '127.0.0.1'), 'DIRECT');
  assert.equal(findProxy(renderPac('bastion.example:3129', true, undefined)!, 'example.com'), 'HTTPS bastion.example:3129');
  assert.equal(findProxy(renderPac('[2001:db8::1]:3128', false, undefined)!, 'example.com'), 'PROXY [2001:db8::1]:3128');
});

test('a wildcard listen names the host the browser used for the API, only if it is a plain host name', () => {
  assert.equal(findProxy(renderPac('0.0.0.0:3128', false, 'bastion.example:9090')!, 'a.example'), 'PROXY bastion.example:3128');
  assert.equal(findProxy(renderPac('[::]:3128', false, '[2001:db8::2]:9090')!, 'a.example'), 'PROXY [2001:db8::2]:3128');
  assert.equal(renderPac('0.0.0.0:3128', false, 'x";alert(1);"'), undefined);
  assert.equal(renderPac('0.0.0.0:3128', false, undefined), undefined);
});
