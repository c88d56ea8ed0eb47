/**
 * `health-check`, `ssh-config`, `backup` and `restore` talk to a server that runs from a config:
 * when their flags are absent they take addresses, ports and the API token from the same config the
 * server would load (`-c`, `SKS5_CONFIG`, `config.toml`, or env-only mode), so `health-check -c
 * prod.toml` probes prod's port, not 2222. No config at all keeps the built-in defaults; a config
 * that is named or present but broken is an error, never silently replaced by defaults.
 */
import type { Config } from '../config/schema.js';
import { joinHostPort, parseListenAddress } from '../host-port.js';
import type { CliIo } from './context.js';
import { describeLoadError, loadEffectiveConfig, NoConfigError, type GlobalOptions } from './global-options.js';

export type HelperConfig = { readonly config: Config | undefined; readonly source: string | undefined } | { readonly error: string };

export function loadHelperConfig(opts: GlobalOptions, env: CliIo['env']): HelperConfig {
  try {
    const loaded = loadEffectiveConfig(opts, env);
    return { config: loaded.config, source: loaded.source };
  } catch (err) {
    if (err instanceof NoConfigError && opts.config === undefined) return { config: undefined, source: undefined };
    return { error: describeLoadError(err) };
  }
}

const WILDCARDS: Readonly<Record<string, string>> = { '0.0.0.0': '127.0.0.1', '::': '::1', '': '127.0.0.1' };

/**
 * Where a local client reaches a listener bound to `listen`: a wildcard bind is reached on loopback.
 * `HOST:PORT` text, IPv6 bracketed.
 */
export function localAddressOf(listen: string): string {
  const { host, port } = parseListenAddress(listen);
  const reach = WILDCARDS[host] ?? host;
  return joinHostPort(reach, port);
}

/** The host a remote user should put in ssh_config, or undefined for a wildcard bind (it names no host). */
export function publicHostOf(listen: string): { host: string | undefined; port: number } {
  const { host, port } = parseListenAddress(listen);
  return { host: host in WILDCARDS ? undefined : host, port };
}
