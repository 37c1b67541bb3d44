import { fileURLToPath } from 'node:url';

/**
 * The demo scenario shipped with dbxops, as an absolute path, so `dbxops start`, `sim` and `eval` find it
 * from any working directory. `scenarios/` sits two levels above this module both in the checkout
 * (src/config/) and in the built package (dist/config/). A path the user passes still resolves against
 * their working directory.
 */
export const DEFAULT_SCENARIO_FILE = fileURLToPath(new URL('../../scenarios/demo.yaml', import.meta.url));
