/**
 * `[geoip]` country filtering over a MaxMind-format database. Deny list first, then the allow list
 * when it is non-empty. An address the database cannot place (or no usable database at all) is
 * allowed unless `fail_closed`: an outdated database should not lock everyone out by default.
 */
import maxmind, { type Reader, type Response } from 'maxmind';
import type { Config } from '../config/schema.js';
import { formatIp, parseCanonicalIp } from './ip-address.js';

export type GeoIpConfig = Config['geoip'];
export type GeoIpVerdict =
  | { allow: true; country?: string }
  | { allow: false; country?: string; reason: string };

/**
 * MaxMind's GeoLite2/GeoIP2 records carry `country.iso_code` (or only `registered_country` for
 * some anycast ranges); the ip-location-db builds carry a flat `country_code`. Accept all three.
 */
export interface CountryRecord {
  country?: { iso_code?: unknown };
  registered_country?: { iso_code?: unknown };
  country_code?: unknown;
}

/** The upper-case alpha-2 code in a database record, whatever its shape; undefined if none. */
export function isoCodeOf(record: CountryRecord | null | undefined): string | undefined {
  const code = record?.country?.iso_code ?? record?.country_code ?? record?.registered_country?.iso_code;
  return typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : undefined;
}

export class GeoIpFilter {
  readonly #reader: Reader<Response> | undefined;
  readonly #allowed: ReadonlySet<string>;
  readonly #denied: ReadonlySet<string>;
  readonly #failClosed: boolean;
  readonly #enabled: boolean;
  /** Why no database is in use (missing path, unreadable or invalid file), for a startup warning. */
  readonly loadError: string | undefined;

  private constructor(cfg: GeoIpConfig, reader: Reader<Response> | undefined, loadError: string | undefined) {
    this.#reader = reader;
    this.#enabled = cfg.enabled;
    this.#allowed = new Set(cfg.allowed_countries.map((c) => c.toUpperCase()));
    this.#denied = new Set(cfg.denied_countries.map((c) => c.toUpperCase()));
    this.#failClosed = cfg.fail_closed;
    this.loadError = loadError;
  }

  /**
   * Open the database named by the config. Never throws for a missing or broken file: the filter
   * then follows `fail_closed`, and `loadError` says what went wrong. A disabled filter opens nothing.
   */
  static async open(cfg: GeoIpConfig): Promise<GeoIpFilter> {
    if (!cfg.enabled) return new GeoIpFilter(cfg, undefined, undefined);
    if (cfg.database_path === undefined || cfg.database_path === '') {
      return new GeoIpFilter(cfg, undefined, 'geoip.database_path is not set');
    }
    try {
      const reader = await maxmind.open<Response>(cfg.database_path);
      return new GeoIpFilter(cfg, reader, undefined);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return new GeoIpFilter(cfg, undefined, `cannot open GeoIP database ${cfg.database_path}: ${why}`);
    }
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** ISO 3166 alpha-2 code (upper case) for `ip`, or undefined when unknown. */
  countryOf(ip: string): string | undefined {
    if (this.#reader === undefined) return undefined;
    // The database indexes IPv4 space directly; ::ffff:1.2.3.4 would find nothing.
    const addr = parseCanonicalIp(ip);
    if (addr === undefined) return undefined;
    try {
      return isoCodeOf(this.#reader.get(formatIp(addr)) as CountryRecord | null);
    } catch {
      return undefined;
    }
  }

  check(ip: string): GeoIpVerdict {
    if (!this.#enabled) return { allow: true };
    const country = this.countryOf(ip);
    if (country === undefined) {
      if (!this.#failClosed) return { allow: true };
      const why = this.#reader === undefined ? 'no GeoIP database loaded' : `no country known for ${ip}`;
      return { allow: false, reason: `geoip: ${why} and fail_closed is set` };
    }
    if (this.#denied.has(country)) return { allow: false, country, reason: `geoip: country ${country} is in denied_countries` };
    if (this.#allowed.size > 0 && !this.#allowed.has(country)) {
      return { allow: false, country, reason: `geoip: country ${country} is not in allowed_countries` };
    }
    return { allow: true, country };
  }
}
