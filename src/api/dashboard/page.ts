/**
 * The dashboard page: one self-contained HTML document (no external asset, no CDN), built once
 * at module load. The CSP allows exactly the inline <style> and <script> below by their SHA-256,
 * so an injected tag or handler would not run even if some value slipped past textContent. The
 * page holds no secret: the token is supplied by the operator and every datum comes from the
 * authenticated API.
 */
import { createHash } from 'node:crypto';
import { CLIENT_ACTIONS } from './client-actions.js';
import { CLIENT_CORE } from './client-core.js';
import { CLIENT_LIVE } from './client-live.js';
import { CLIENT_RENDER } from './client-render.js';
import { DASHBOARD_BODY } from './markup.js';
import { DASHBOARD_CSS } from './style.js';

/** One function scope in strict mode: nothing leaks onto window for another script to call. */
export const DASHBOARD_SCRIPT = `\n(() => {\n'use strict';\n${CLIENT_CORE}${CLIENT_RENDER}${CLIENT_LIVE}${CLIENT_ACTIONS}})();\n`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export const DASHBOARD_HTML = [
  '<!doctype html>',
  '<html lang="en" data-theme="dark">',
  '<head>',
  '<meta charset="utf-8">',
  '<meta name="viewport" content="width=device-width, initial-scale=1">',
  '<meta name="referrer" content="no-referrer">',
  // An empty icon: the browser would otherwise fetch /favicon.ico and log the 404 as an error.
  '<link rel="icon" href="data:,">',
  '<title>sks5 Dashboard</title>',
  `<style>${DASHBOARD_CSS}</style>`,
  '</head>',
  '<body>',
  DASHBOARD_BODY,
  `<script>${DASHBOARD_SCRIPT}</script>`,
  '</body>',
  '</html>',
  '',
].join('\n');

/**
 * connect-src 'self' covers fetch, EventSource and (CSP level 3) ws:/wss: to the same host and
 * port. No frame may embed the page, no form may post elsewhere, no <base> may redirect scripts.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(DASHBOARD_CSS)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with the page; the API's onSend hook adds `cache-control: no-store` and nosniff. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': DASHBOARD_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};
