/** One scripted wizard session, shared by the unit test (PassThrough stdin) and the e2e test (a pipe). */
export const SCRIPTED_ANSWERS: readonly string[] = [
  // Server
  '127.0.0.1:2022', 'not-an-address', '127.0.0.1:1081', '',
  // Users: bob with a typed password, carol with a generated one
  'bob', 'correct horse battery', '', 'no', 'y',
  'carol', '', 'user', '', 'n',
  // Security
  '', '', '7', '', '', '',
  // ACL: one invalid rule, re-asked
  'y', '', 'example.com:443, bad:rule', 'example.com:443, *.internal.example:22', '',
  // API off, Metrics skipped, Logging
  'y', 'no', 'n', 'y', 'debug', 'json', 'none',
  // Groups, GeoIP, Webhooks, Alerting, Maintenance, Pool, Upstream: skipped
  '', '', '', '', '', '', '',
  // Write the file
  '',
];
export const TYPED_PASSWORD = 'correct horse battery';
