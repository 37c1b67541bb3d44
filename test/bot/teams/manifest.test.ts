import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../../manifest/teams/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));

/** Width and height from a PNG's IHDR, and whether it has an alpha channel. */
function pngInfo(name: string) {
  const buf = readFileSync(new URL(name, dir));
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colourType: buf.readUInt8(25) };
}

describe('Teams app manifest', () => {
  it('declares one bot in team, personal and group chat scopes with the four commands', () => {
    expect(Number(manifest.manifestVersion)).toBeGreaterThanOrEqual(1.17);
    expect(manifest.bots).toHaveLength(1);
    const bot = manifest.bots[0];
    expect(bot.scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(bot.commandLists[0].commands.map((c: { title: string }) => c.title)).toEqual([
      'help',
      'incidents',
      'status',
      'ack',
    ]);
  });

  it('stays within the schema limits', () => {
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.name.full.length).toBeLessThanOrEqual(100);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.description.full.length).toBeLessThanOrEqual(4_000);
    expect(manifest.developer.name.length).toBeLessThanOrEqual(32);
    for (const list of manifest.bots[0].commandLists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const c of list.commands) {
        expect(c.title.length).toBeLessThanOrEqual(32);
        expect(c.description.length).toBeLessThanOrEqual(128);
      }
    }
    expect(manifest.validDomains.every((d: string) => !d.includes('onmicrosoft.com'))).toBe(true);
  });

  it('keeps ids as placeholders, never a real app id', () => {
    expect(manifest.id).toBe('{{TEAMS_APP_ID}}');
    expect(manifest.bots[0].botId).toBe('{{TEAMS_APP_ID}}');
  });

  it('ships a 192×192 colour icon and a 32×32 outline icon with transparency', () => {
    expect(pngInfo(manifest.icons.color)).toMatchObject({ width: 192, height: 192 });
    expect(pngInfo(manifest.icons.outline)).toEqual({ width: 32, height: 32, colourType: 6 });
  });
});
