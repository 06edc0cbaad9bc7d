import { describe, expect, it } from 'vitest';
import { formatBar, Progress } from './progress';

const sink = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { stream: { isTTY, columns: 200, write: (s: string) => chunks.push(s) }, text: () => chunks.join('') };
};

describe('formatBar', () => {
  it('shows sets done of the total and the current stage', () => {
    expect(formatBar(0, 4, 'a: reading 1/3')).toBe(`[${'-'.repeat(24)}] 0/4 sets · a: reading 1/3`);
    expect(formatBar(1, 4, 'b: merging')).toBe(`[${'#'.repeat(6)}${'-'.repeat(18)}] 1/4 sets · b: merging`);
    expect(formatBar(1, 1, '')).toBe(`[${'#'.repeat(24)}] 1/1 set`);
  });

  it('never fills a terminal line (it would wrap and break the redraw)', () => {
    const line = formatBar(2, 3, `a-very-long-set-name: ${'x'.repeat(100)}`, 60);
    expect(line.length).toBeLessThan(60);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('Progress', () => {
  it('on a terminal, redraws one line and prints log lines above it', () => {
    const s = sink(true);
    const p = new Progress(s.stream, 2);
    p.stage('a', 'fusing');
    p.log('a: aligned');
    p.setDone('✓ a');
    p.end();
    const text = s.text();
    expect(text).toContain('\r\x1b[2K[------------------------] 0/2 sets · a: fusing');
    // A log line redraws the bar under it; the result line comes with the count moved on.
    expect(text).toContain('\r\x1b[2Ka: aligned\n\r\x1b[2K[------------------------] 0/2 sets · a: fusing');
    expect(text).toContain('\r\x1b[2K✓ a\n\r\x1b[2K[############------------] 1/2 sets');
    expect(text).not.toMatch(/✓ a\n.*a: fusing/s);
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('in a log, writes a plain line per stage, numbered by set, with no control characters', () => {
    const s = sink(false);
    const p = new Progress(s.stream, 2);
    p.stage('a', 'reading 1/3');
    p.stage('a', 'fusing');
    p.setDone('✓ a');
    p.stage('b', 'merging');
    p.end();
    expect(s.text()).toBe('[1/2] a: reading 1/3\n[1/2] a: fusing\n✓ a\n[2/2] b: merging\n');
  });
});
