import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/design.md's import rules: arrows point one way (adapters → handlers → agents →
 * databricks/store → domain), and only the chat edges import platform SDKs.
 */
const ALLOWED: Record<string, readonly string[]> = {
  domain: [],
  config: ['domain'],
  databricks: ['domain', 'config'],
  sim: ['domain', 'config', 'databricks'],
  store: ['domain', 'config'],
  llm: ['domain', 'config'],
  agents: ['domain', 'config', 'databricks', 'store', 'llm'],
  // Jobs only move work between agents; the workspace is reached through them.
  jobs: ['domain', 'config', 'agents', 'store'],
  cards: ['domain'],
  // Handlers take a request and render what agents found; reading the workspace is agents' work.
  handlers: ['domain', 'config', 'agents', 'cards', 'store'],
  notify: ['domain', 'config', 'agents', 'cards', 'store', 'handlers'],
  bot: ['domain', 'config', 'handlers', 'cards'],
};
/** Folders that may reach `src/databricks` only for types (`import type`). */
const TYPES_ONLY: Record<string, readonly string[]> = {
  sim: ['databricks'],
  // The notifier speaks the handlers' `ChatSurface` interface; it runs none of their code.
  notify: ['handlers'],
};
/**
 * Modules a types-only layer may still import at run time: the `Warehouse` interface module carries its
 * error class, which the simulator's SQL wire endpoints must recognise (`instanceof WarehouseError`) to
 * answer failed statements the way Databricks does.
 */
const CONTRACT_MODULES = new Set(['databricks/warehouse.ts']);
const PLATFORM_SDK = /^@slack\/|^@microsoft\/teams\./;

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

type ImportRef = { specifier: string; typeOnly: boolean };

function importsOf(code: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(statement)) refs.push({ specifier: m[3]!, typeOnly: Boolean(m[2]) });
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm))
    refs.push({ specifier: m[1]!, typeOnly: false });
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    refs.push({ specifier: m[1]!, typeOnly: false });
  return refs;
}

function layerOf(file: string): string | undefined {
  const rel = relative(SRC, file);
  const [first] = rel.split(/[\\/]/);
  return first === undefined || first.endsWith('.ts') ? undefined : first;
}

describe('import boundaries', () => {
  const files = sourceFiles(SRC);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it('keeps every arrow pointing the way docs/design.md draws it', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      if (from === undefined || ALLOWED[from] === undefined) continue; // src/cli.ts and src/app/ wire everything
      for (const ref of importsOf(readFileSync(file, 'utf8'))) {
        if (!ref.specifier.startsWith('.')) continue;
        const to = layerOf(resolve(dirname(file), ref.specifier));
        if (to === undefined || to === from) continue;
        const allowed = ALLOWED[from]!.includes(to);
        const target = relative(SRC, resolve(dirname(file), ref.specifier)).replace(/\.js$/, '.ts');
        const typesOnly = (TYPES_ONLY[from]?.includes(to) ?? false) && !CONTRACT_MODULES.has(target);
        if (!allowed || (typesOnly && !ref.typeOnly)) {
          violations.push(
            `${relative(SRC, file)} imports ${ref.specifier} (${from} → ${to}${typesOnly ? ', types only' : ''})`,
          );
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('lets only src/bot and src/cards touch the Slack and Teams SDKs, and cards only for types', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const ref of importsOf(readFileSync(file, 'utf8'))) {
        if (!PLATFORM_SDK.test(ref.specifier)) continue;
        if (from === 'bot' || (from === 'cards' && ref.typeOnly)) continue;
        violations.push(`${relative(SRC, file)} imports ${ref.specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
