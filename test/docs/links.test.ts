import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README and docs/ are the project's knowledge, and they must stand on their own: every link and
 * every file path they name resolves inside the repository, and nothing points at material outside
 * it. Source comments follow the same rule.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Top-level entries a path named in prose starts with. */
const TOP_LEVEL = ['src', 'test', 'bench', 'docs', 'manifest', 'scenarios', 'scripts', 'bin', '.ci'];
const PATH_IN_PROSE = new RegExp(
  `(?<![\\w./@~-])(?:${TOP_LEVEL.map((t) => t.replace('.', '\\.')).join('|')})/[\\w.\\-/]*[\\w/]`,
  'g',
);
const MARKDOWN_LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;
/** Words that only make sense when reading material kept outside the repository. */
const OUTSIDE_POINTERS =
  /\.\.\/shared|shared\/reference|\bDESIGN\.md|\bSTYLE\.md|reference ?§|reference\/[\w-]+\.md/;

/** A line pointing at that material; a public web address (an error's source page) is not such a pointer. */
const pointsOutside = (line: string): boolean => OUTSIDE_POINTERS.test(line.replace(/https?:\/\/\S+/g, ''));

function read(page: string): string {
  return readFileSync(join(ROOT, page), 'utf8');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    anchors.add(
      heading!
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

function insideRepository(path: string): boolean {
  const rel = relative(ROOT, path);
  return rel !== '' ? !rel.startsWith('..') : true;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|yaml|jsonl|md)$/.test(name) ? [path] : [];
  });
}

describe('the README and docs/', () => {
  it('include the design, the Databricks and chat-platform material, the error labels and the scenario format', () => {
    for (const page of [
      'docs/design.md',
      'docs/databricks.md',
      'docs/chat-platforms.md',
      'docs/error-labels.md',
      'docs/scenarios.md',
    ]) {
      expect(PAGES, page).toContain(page);
    }
  });

  it.each(PAGES)('%s links only to files, folders and headings that exist in the repository', (page) => {
    const broken: string[] = [];
    for (const [, target] of read(page).matchAll(MARKDOWN_LINK)) {
      if (/^[a-z][a-z+.-]*:/i.test(target!)) continue; // http:, https:, mailto: — outside by intent
      const [file, anchor] = target!.split('#', 2) as [string, string | undefined];
      const path = file === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), file);
      if (!insideRepository(path) || !existsSync(path)) {
        broken.push(target!);
        continue;
      }
      if (
        anchor !== undefined &&
        path.endsWith('.md') &&
        !anchorsOf(readFileSync(path, 'utf8')).has(anchor)
      ) {
        broken.push(target!);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(PAGES)('%s names only paths that exist in the repository', (page) => {
    // Fenced blocks show commands and their output (a scenario file with a mistake in it), not references.
    const prose = read(page).replace(/^```[\s\S]*?^```/gm, '');
    const missing = [...prose.matchAll(PATH_IN_PROSE)]
      .map(([path]) => path.replace(/\.$/, ''))
      .filter((path) => !existsSync(join(ROOT, path)));
    expect([...new Set(missing)]).toEqual([]);
  });

  it.each(PAGES)('%s points at nothing outside the repository', (page) => {
    const lines = read(page).split('\n').filter(pointsOutside);
    expect(lines).toEqual([]);
  });
});

describe('comments in the code', () => {
  it('point at docs/, never at material outside the repository', () => {
    const self = resolve(import.meta.filename);
    const offenders: string[] = [];
    for (const dir of ['src', 'test', 'bench', 'scripts']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        if (file === self) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (pointsOutside(line)) offenders.push(`${relative(ROOT, file)}:${i + 1}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a path named in prose, and not a URL, a package or a content type', () => {
    const text =
      'See `src/domain/clock.ts` and src/cards/ or docs/x.md. Not https://x.io/src/a.ts, @databricks/sql, application/json, ~/src/x.';
    expect([...text.matchAll(PATH_IN_PROSE)].map(([p]) => p.replace(/\.$/, ''))).toEqual([
      'src/domain/clock.ts',
      'src/cards/',
      'docs/x.md',
    ]);
  });

  it('read headings as GitHub anchors them', () => {
    expect(anchorsOf('## Reading the system tables: Thrift or Statement Execution\n')).toEqual(
      new Set(['reading-the-system-tables-thrift-or-statement-execution']),
    );
  });

  it('recognise a pointer at the old outside material', () => {
    expect(pointsOutside('(see ../shared/reference/databricks.md)')).toBe(true);
    expect(pointsOutside('limits (reference §1.7)')).toBe(true);
    expect(pointsOutside('limits (docs/chat-platforms.md, Block Kit limits)')).toBe(false);
    expect(
      pointsOutside('"source": "https://github.com/o/r/blob/main/docs/reference/common_challenges.md"'),
    ).toBe(false);
    expect(pointsOutside('see reference/databricks.md, https://example.com/x')).toBe(true);
  });
});
