import { describe, expect, it } from 'vitest';
import { allocatedBetweenMarks, MARK_END, MARK_START } from '../../bench/e2e.js';

const line = (allocated: string) =>
  `[1:0x1]   10 ms: pause=1.0 mutator=2.0 gc=s reduce_memory=0 allocated=${allocated} promoted=0`;

describe("e2e bench: bytes allocated from V8's --trace-gc-nvp", () => {
  it('sums allocated= between the marks only', () => {
    const out = [line('999'), MARK_START, line('1000'), line('2500'), MARK_END, line('7')].join(
      '\n',
    );
    expect(allocatedBetweenMarks(out)).toBe(3500);
  });

  it('reads a size_t that wrapped below zero as the small negative number it is', () => {
    // 2^64 - 1616, as V8 printed it after a mark-compact (-1616 bytes).
    const out = [MARK_START, line('16000000'), line('18446744073709550000'), MARK_END].join('\n');
    expect(allocatedBetweenMarks(out)).toBe(16_000_000 - 1616);
  });

  it('fails without the marks', () => {
    expect(() => allocatedBetweenMarks(line('5'))).toThrow(/marks/);
  });
});
