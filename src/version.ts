export const VERSION = "0.1.0";

// Replaced by the single-executable build (scripts/sea/bundle.mjs) with the git commit it was built
// from; a checkout or an npm install has no such constant, and the guard keeps that a non-error.
declare const __SKS5_COMMIT__: string | undefined;
export const COMMIT: string | undefined = typeof __SKS5_COMMIT__ === 'string' && __SKS5_COMMIT__ !== '' ? __SKS5_COMMIT__ : undefined;

/** What `--version` prints: the version, and the commit when the build recorded one. */
export function versionText(): string {
  return COMMIT === undefined ? VERSION : `${VERSION} (commit ${COMMIT})`;
}
