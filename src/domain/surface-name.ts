/** The chat surfaces dbxops speaks on; a person's chat id means something only together with one. */
export const SURFACE_NAMES = ['slack', 'teams', 'console'] as const;
export type SurfaceName = (typeof SURFACE_NAMES)[number];

/** True when `value` names a surface (a value read back from the store, say). */
export const isSurfaceName = (value: string): value is SurfaceName =>
  (SURFACE_NAMES as readonly string[]).includes(value);
