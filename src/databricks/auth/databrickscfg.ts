/** One `[section]` of `~/.databrickscfg`: keys as written (lowercased), values trimmed. */
export type DatabricksCfgProfile = Readonly<Record<string, string>>;

/**
 * Parses the INI dialect of `~/.databrickscfg`: `[name]` sections, `key = value` lines, `;`/`#`
 * comments, keys case-insensitive. Keys before any section belong to `DEFAULT`, as in Python's
 * configparser that the CLI uses. Malformed lines are skipped rather than fatal: the file is shared with
 * other tools and a line we do not understand is not ours to reject.
 */
export function parseDatabricksCfg(text: string): ReadonlyMap<string, DatabricksCfgProfile> {
  const profiles = new Map<string, Record<string, string>>();
  let current = 'DEFAULT';
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section?.[1]) {
      current = section[1].trim();
      if (!profiles.has(current)) profiles.set(current, {});
      continue;
    }
    const eq = line.search(/[=:]/);
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    const profile = profiles.get(current) ?? {};
    profile[key] = value;
    profiles.set(current, profile);
  }
  return profiles;
}
