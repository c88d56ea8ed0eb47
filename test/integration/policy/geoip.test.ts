import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GeoIpFilter, isoCodeOf, type GeoIpConfig } from '../../../src/policy/geoip.js';

// The dev dependency ships a real GeoLite2 country database in the ip-location-db record shape.
const DB = join(dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-country-mmdb/package.json')), 'geolite2-country.mmdb');

const cfg = (over: Partial<GeoIpConfig> = {}): GeoIpConfig => ({
  enabled: true, database_path: DB, allowed_countries: [], denied_countries: [], fail_closed: false, ...over,
});

// Addresses checked against the bundled database: Google DNS (US), FDN's resolver (FR),
// OVH's IPv6 block (FR), MaxMind's own GB test address.
const US_V4 = '8.8.8.8';
const FR_V4 = '80.67.169.12';
const FR_V6 = '2001:41d0::1';
const US_V6 = '2001:4860:4860::8888';
const GB_V4 = '81.2.69.142';

test('looks up countries in the real database, IPv4, IPv6 and IPv4-mapped', async () => {
  const geo = await GeoIpFilter.open(cfg());
  assert.equal(geo.loadError, undefined);
  assert.equal(geo.countryOf(US_V4), 'US');
  assert.equal(geo.countryOf(FR_V4), 'FR');
  assert.equal(geo.countryOf(FR_V6), 'FR');
  assert.equal(geo.countryOf(US_V6), 'US');
  assert.equal(geo.countryOf(GB_V4), 'GB');
  assert.equal(geo.countryOf(`::ffff:${FR_V4}`), 'FR');
  assert.equal(geo.countryOf('127.0.0.1'), undefined);
  assert.equal(geo.countryOf('not an ip'), undefined);
});

test('denied_countries refuses those countries and names the country', async () => {
  const geo = await GeoIpFilter.open(cfg({ denied_countries: ['FR'] }));
  assert.deepEqual(geo.check(FR_V4), { allow: false, country: 'FR', reason: 'geoip: country FR is in denied_countries' });
  assert.deepEqual(geo.check(FR_V6), { allow: false, country: 'FR', reason: 'geoip: country FR is in denied_countries' });
  assert.deepEqual(geo.check(US_V4), { allow: true, country: 'US' });
});

test('allowed_countries admits only those countries; the deny list still wins', async () => {
  const geo = await GeoIpFilter.open(cfg({ allowed_countries: ['US', 'fr'], denied_countries: ['FR'] }));
  assert.deepEqual(geo.check(US_V6), { allow: true, country: 'US' });
  assert.equal(geo.check(FR_V4).allow, false);
  assert.deepEqual(geo.check(GB_V4), { allow: false, country: 'GB', reason: 'geoip: country GB is not in allowed_countries' });
});

test('an address with no country is allowed unless fail_closed', async () => {
  const open = await GeoIpFilter.open(cfg({ allowed_countries: ['US'] }));
  assert.deepEqual(open.check('10.1.2.3'), { allow: true });
  const closed = await GeoIpFilter.open(cfg({ allowed_countries: ['US'], fail_closed: true }));
  const v = closed.check('10.1.2.3');
  assert.equal(v.allow, false);
  assert.match(v.allow ? '' : v.reason, /no country known for 10\.1\.2\.3 and fail_closed/);
});

test('a missing or broken database does not throw: the filter follows fail_closed and says why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sks5-geoip-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const garbage = join(dir, 'broken.mmdb');
  await writeFile(garbage, 'this is not a MaxMind database'.repeat(10));
  const variants: [Partial<GeoIpConfig>, RegExp][] = [
    [{ database_path: join(dir, 'absent.mmdb') }, /cannot open GeoIP database .*absent\.mmdb/],
    [{ database_path: garbage }, /cannot open GeoIP database .*broken\.mmdb/],
    [{ database_path: undefined }, /database_path is not set/],
  ];
  for (const [over, why] of variants) {
    const open = await GeoIpFilter.open(cfg({ ...over, denied_countries: ['US'] }));
    assert.match(open.loadError ?? '', why);
    assert.deepEqual(open.check(US_V4), { allow: true });
    const closed = await GeoIpFilter.open(cfg({ ...over, fail_closed: true }));
    assert.deepEqual(closed.check(US_V4), { allow: false, reason: 'geoip: no GeoIP database loaded and fail_closed is set' });
  }
});

test('a disabled filter opens nothing and allows everything', async () => {
  const geo = await GeoIpFilter.open(cfg({ enabled: false, denied_countries: ['US'], fail_closed: true }));
  assert.equal(geo.enabled, false);
  assert.equal(geo.loadError, undefined);
  assert.equal(geo.countryOf(US_V4), undefined);
  assert.deepEqual(geo.check(US_V4), { allow: true });
});

test('record shapes: MaxMind country, registered_country fallback, ip-location-db country_code', () => {
  assert.equal(isoCodeOf({ country: { iso_code: 'DE' }, registered_country: { iso_code: 'FR' } }), 'DE');
  assert.equal(isoCodeOf({ registered_country: { iso_code: 'NL' } }), 'NL');
  assert.equal(isoCodeOf({ country_code: 'fr' }), 'FR');
  assert.equal(isoCodeOf({ country: { iso_code: 42 } }), undefined);
  assert.equal(isoCodeOf({ country_code: 'FRA' }), undefined);
  assert.equal(isoCodeOf(null), undefined);
});
