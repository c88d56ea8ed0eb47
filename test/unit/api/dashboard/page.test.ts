/**
 * The dashboard page as built at module load: its CSP hashes are those of the inline blocks the
 * browser will see, the script parses, and no code path can turn server data into markup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { DASHBOARD_CSP, DASHBOARD_HEADERS, DASHBOARD_HTML, DASHBOARD_SCRIPT } from '../../../../src/api/dashboard/page.js';
import { DASHBOARD_CSS } from '../../../../src/api/dashboard/style.js';

const hashOf = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

function only(re: RegExp): string {
  const all = [...DASHBOARD_HTML.matchAll(re)];
  assert.equal(all.length, 1, `exactly one match of ${re}`);
  return all[0]![1]!;
}

test('the CSP allows exactly the inline script and style of the page, by hash', () => {
  const script = only(/<script>([\s\S]*?)<\/script>/g);
  const style = only(/<style>([\s\S]*?)<\/style>/g);
  assert.equal(script, DASHBOARD_SCRIPT);
  assert.equal(style, DASHBOARD_CSS);
  const directives = new Map(DASHBOARD_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('script-src'), hashOf(script));
  assert.equal(directives.get('style-src'), hashOf(style));
  assert.equal(directives.get('frame-ancestors'), "'none'");
  assert.equal(directives.get('base-uri'), "'none'");
  assert.ok(!DASHBOARD_CSP.includes('unsafe'), 'no unsafe-inline or unsafe-eval');
  assert.equal(DASHBOARD_HEADERS['x-frame-options'], 'DENY');
  assert.equal(DASHBOARD_HEADERS['referrer-policy'], 'no-referrer');
  assert.equal(DASHBOARD_HEADERS['content-security-policy'], DASHBOARD_CSP);
});

test('the script is valid JavaScript in one strict function scope', () => {
  assert.doesNotThrow(() => new Script(DASHBOARD_SCRIPT, { filename: 'dashboard.js' }));
  assert.match(DASHBOARD_SCRIPT, /^\s*\(\(\) => \{\s*'use strict';/);
  assert.ok(!DASHBOARD_SCRIPT.includes('</script'), 'nothing can close the script element early');
});

test('server data never becomes markup: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval', () => {
  for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setAttribute(\'on', 'srcdoc']) {
    assert.ok(!DASHBOARD_SCRIPT.includes(sink), sink);
  }
});

test('the page is self-contained: no external asset, no inline handler or style attribute', () => {
  const markup = DASHBOARD_HTML.replace(/<script>[\s\S]*?<\/script>/, '').replace(/<style>[\s\S]*?<\/style>/, '');
  assert.doesNotMatch(markup, /\b(?:src|href)\s*=\s*"(?!data:)/i, 'only data: URLs');
  assert.doesNotMatch(DASHBOARD_HTML, /https?:\/\//, 'no absolute URL anywhere');
  assert.doesNotMatch(markup, /\son[a-z]+\s*=/i, 'no inline event handler');
  assert.doesNotMatch(markup, /\sstyle\s*=/i, 'no style attribute');
});

test('the token is only ever read from the fragment or the form, and sent as a Bearer header', () => {
  assert.match(DASHBOARD_SCRIPT, /location\.hash/);
  assert.ok(!DASHBOARD_SCRIPT.includes('location.search.'), 'never read from the query string');
  assert.ok(!/[?&]token=/.test(DASHBOARD_SCRIPT), 'never put in a URL');
  assert.match(DASHBOARD_SCRIPT, /history\.replaceState/);
  assert.match(DASHBOARD_SCRIPT, /'Bearer ' \+ state\.token/);
});
