/**
 * The dashboard's browser code is plain JavaScript inside TypeScript strings (the page must be one
 * self-contained file with a hashed CSP), so the project's compile never sees it. This test runs
 * the TypeScript checker over the exact script the page serves, against the DOM typings: a typo,
 * an undefined helper or a DOM property that does not exist fails here instead of in a browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ts from 'typescript';
import { DASHBOARD_SCRIPT } from '../../../../src/api/dashboard/page.js';

const FILE = '/virtual/dashboard.js';

function diagnostics(script: string): string[] {
  const options: ts.CompilerOptions = {
    allowJs: true, checkJs: true, noEmit: true, target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'], types: [],
    // Strict null and type checks; parameters may stay untyped (most are DOM events and API rows).
    strict: true, noImplicitAny: false,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, lang) => (name === FILE ? ts.createSourceFile(name, script, lang) : getSourceFile(name, lang));
  host.fileExists = (name) => name === FILE || fileExists(name);
  const program = ts.createProgram([FILE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const text = d.file ? d.file.text.split('\n')[line - 1]?.trim() : '';
    return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}\n    ${text}`;
  });
}

test('the dashboard script type-checks against the DOM', () => {
  const found = diagnostics(DASHBOARD_SCRIPT);
  assert.deepEqual(found, [], `TypeScript found problems in the served script:\n${found.join('\n')}`);
});

test('the check catches what a browser would only report at run time', () => {
  const nullable = DASHBOARD_SCRIPT.replace('const node = document.getElementById(id);\n  if (!node) throw', 'const node = document.getElementById(id);\n  if (false) throw');
  assert.notEqual(nullable, DASHBOARD_SCRIPT);
  assert.ok(diagnostics(nullable).some((d) => d.includes("'HTMLElement | null' is not assignable")), 'an element lookup that may be null is caught');

  const broken = DASHBOARD_SCRIPT.replace("input('login-token').value = '';", "input('login-token').valeu = '';").replace('document.getElementById(id)', 'document.getElementByID(id)');
  assert.notEqual(broken, DASHBOARD_SCRIPT);
  const found = diagnostics(broken);
  assert.ok(found.some((d) => d.includes("'valeu' does not exist")), found.join('\n'));
  assert.ok(found.some((d) => d.includes("'getElementByID' does not exist")), found.join('\n'));
});
