import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AZURE_DIFFERENCES,
  DIFFERENCES_TABLE_HEADER,
  differenceCells,
} from '../../../src/pack/azure-differences';
import { packHostJson } from '../../../src/pack/host-json';
import { differenceRow } from '../../../src/pack/trigger-differences';

const README = path.join(__dirname, '..', '..', '..', 'README.md');

/** The cells of the Markdown table under `## Differences from Azure`, header and separator left out. */
function readmeTable(): { header: string[]; rows: string[][] } {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('\n## Differences from Azure\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  const lines = text
    .slice(start, end === -1 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('|'));
  const cells = lines.map((line) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim()),
  );
  const [header = [], , ...rows] = cells;
  return { header, rows };
}

describe('the README\'s "Differences from Azure" table', () => {
  it('has one row per entry of AZURE_DIFFERENCES, with the same texts, in the same order, and no other', () => {
    const { header, rows } = readmeTable();
    expect(header).toEqual([...DIFFERENCES_TABLE_HEADER]);
    const expected = Object.values(AZURE_DIFFERENCES).map((d) => [...differenceCells(d)]);
    // per row first, so a disagreement names the row
    for (const row of expected) expect(rows).toContainEqual(row);
    for (const row of rows) expect(expected).toContainEqual(row);
    expect(rows).toEqual(expected);
  });

  it('has no text that would split a cell, and every entry has all four texts', () => {
    for (const difference of Object.values(AZURE_DIFFERENCES)) {
      for (const cell of differenceCells(difference)) {
        expect(cell).not.toContain('|');
        expect(cell.trim()).not.toBe('');
      }
    }
  });
});

describe("pack's warnings come from the same entries", () => {
  it('a differs row carries the entry and its texts', () => {
    expect(differenceRow('reliableLists', 'reliable: true')).toEqual({
      option: 'reliable: true',
      local: AZURE_DIFFERENCES.reliableLists.redisFunc,
      azure: AZURE_DIFFERENCES.reliableLists.azure,
      severity: 'differs',
      difference: 'reliableLists',
    });
  });

  it('host.json rows that change behaviour name their entry', () => {
    const { differences } = packHostJson({
      version: '2.0',
      retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: '00:00:01' },
      extensions: { redis: { lists: { mode: 'blocking' }, shutdownGracePeriod: '00:00:02' } },
    });
    const differs = differences.filter((d) => d.severity === 'differs');
    expect(differs.map((d) => d.difference)).toEqual(['retries', 'hostJsonOptions']);
    for (const d of differs) expect(Object.keys(AZURE_DIFFERENCES)).toContain(d.difference);
  });
});
