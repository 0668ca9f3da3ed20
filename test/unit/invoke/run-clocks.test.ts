import { HandoffClock, MESSAGE_GROUP, MessageClock } from '../../../src/invoke/run-clocks';

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const nextRun = () => new Promise((resolve) => setTimeout(resolve, 5));

function messageClock(slowGroupMs?: number) {
  const reports: { name: string; ms: number; count: number }[] = [];
  const clock = new MessageClock((name, ms, count) => void reports.push({ name, ms, count }), {
    slowGroupMs,
  });
  return { clock, reports };
}

describe('HandoffClock', () => {
  it('hands a quick end on as the next start, once; a release or stale leaves nothing', () => {
    const clock = new HandoffClock();
    const first = clock.begin();
    const end = clock.endQuick();
    expect(end).toBeGreaterThanOrEqual(first);
    expect(clock.begin()).toBe(end); // taken
    expect(clock.reading).toBeUndefined();
    clock.endQuick();
    expect(clock.release(7)).toBe(7);
    expect(clock.reading).toBeUndefined();
    clock.endQuick();
    clock.stale();
    expect(clock.begin()).toBeGreaterThan(end); // a new reading
  });
});

describe('MessageClock', () => {
  it("gives each quick invocation of a function's group an even share of its time, at the end of the run", async () => {
    const { clock, reports } = messageClock();
    const start = clock.begin('f', false);
    busyFor(3);
    clock.endQuick();
    expect(clock.begin('f', false)).toBe(start); // the group's start: nothing is read
    clock.endQuick();
    expect(clock.begin('f', false)).toBe(start);
    clock.endQuick();
    expect(reports).toEqual([]);
    const before = performance.now();
    await nextRun();
    expect(reports.map((r) => [r.name, r.count])).toEqual([['f', 3]]);
    expect((reports[0]?.ms ?? 0) * 3).toBeGreaterThanOrEqual(before - start - 0.001); // the group's time
    expect(clock.begin('f', false)).toBeGreaterThan(before); // a new run reads the clock
  });

  it("closes a function's group when another function's invocation begins: its time is that function's", () => {
    const { clock, reports } = messageClock();
    const start = clock.begin('f', false);
    busyFor(1);
    clock.endQuick();
    const g = clock.begin('g', false);
    expect(g).toBeGreaterThan(start); // read: g's own start
    expect(reports).toEqual([{ name: 'f', ms: g - start, count: 1 }]);
    busyFor(2);
    clock.endQuick();
    const f = clock.begin('f', false);
    expect(reports[1]).toEqual({ name: 'g', ms: f - g, count: 1 });
    expect(reports[1]?.ms).toBeGreaterThanOrEqual(2);
  });

  it(`closes a group every ${MESSAGE_GROUP} quick invocations, starting the next where it ended`, () => {
    const { clock, reports } = messageClock(Infinity); // however slow this machine is
    const start = clock.begin('f', false);
    for (let i = 0; i < MESSAGE_GROUP; i++) {
      if (i > 0) clock.begin('f', false);
      clock.endQuick();
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]?.count).toBe(MESSAGE_GROUP);
    const next = clock.begin('f', false);
    expect(next).toBeCloseTo(start + (reports[0]?.ms ?? 0) * MESSAGE_GROUP, 6);
  });

  it('starts an invocation that leaves the group (a failure, a promise) after an even share', () => {
    const { clock, reports } = messageClock();
    const start = clock.begin('f', false);
    busyFor(2);
    clock.endQuick();
    const mine = clock.begin('f', false);
    expect(mine).toBe(start); // not known yet
    busyFor(2);
    const now = performance.now();
    const corrected = clock.release(mine, now);
    // the quick one and this one began 'start' and ended 'now': half each
    expect(corrected).toBeCloseTo(start + (now - start) / 2, 6);
    expect(reports).toEqual([{ name: 'f', ms: corrected - start, count: 1 }]);
    expect(clock.pending).toBe(0);
    expect(clock.begin('f', false)).toBeGreaterThanOrEqual(now); // nothing handed on: a fresh reading
  });

  it('gives an alone invocation a start of its own, closing the group before it', () => {
    const { clock, reports } = messageClock();
    const start = clock.begin('f', false);
    busyFor(1);
    clock.endQuick();
    const alone = clock.begin('f', true);
    expect(alone).toBeGreaterThan(start);
    expect(reports).toEqual([{ name: 'f', ms: alone - start, count: 1 }]);
    expect(clock.release(alone)).toBe(alone); // no group: its start stands
  });

  it('times an invocation alone outside any group: it closes the open group, is busy until released, and schedules nothing', () => {
    const { clock, reports } = messageClock();
    const start = clock.begin('g', false);
    busyFor(1);
    clock.endQuick();
    const ticks = jest.spyOn(process, 'nextTick');
    const alone = clock.alone();
    expect(reports).toEqual([{ name: 'g', ms: alone - start, count: 1 }]);
    expect(clock.busy).toBe(true);
    busyFor(1);
    expect(clock.release(alone)).toBe(alone);
    expect(clock.busy).toBe(false);
    const fresh = clock.alone(); // no run open: nothing to close, nothing scheduled
    expect(clock.release(fresh)).toBe(fresh);
    expect(ticks).not.toHaveBeenCalled();
    expect(reports).toHaveLength(1);
    ticks.mockRestore();
  });

  it('closes the group when the listener comes back from an await (stale)', () => {
    const { clock, reports } = messageClock();
    clock.begin('f', false);
    clock.endQuick();
    clock.stale();
    expect(reports).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('times the rest of a run one by one once a group took longer than 1 ms, and groups again in the next run', async () => {
    const { clock, reports } = messageClock();
    clock.begin('f', false);
    busyFor(1.5);
    clock.endQuick();
    clock.begin('f', false);
    clock.endQuick();
    clock.stale(); // the group of two: 1.5 ms and more
    clock.begin('f', false);
    clock.endQuick();
    expect(reports.map((r) => r.count)).toEqual([2, 1]); // reported at once
    await nextRun();
    clock.begin('f', false);
    clock.endQuick();
    expect(clock.pending).toBe(1);
  });

  it('ends the run before anything its handlers queued runs: their ticks count in no group', async () => {
    const { clock, reports } = messageClock();
    clock.begin('f', false);
    process.nextTick(() => busyFor(10)); // what f's handler left for later
    clock.endQuick();
    clock.begin('g', false);
    clock.endQuick();
    await nextRun();
    expect(reports.map((r) => [r.name, r.count])).toEqual([
      ['f', 1],
      ['g', 1],
    ]);
    expect((reports[0]?.ms ?? 0) + (reports[1]?.ms ?? 0)).toBeLessThan(10);
  });

  it('ends a run that started in a microtask before the next microtask', async () => {
    const { clock, reports } = messageClock();
    await Promise.resolve(); // from here on, in microtasks: ticks wait for all of them
    clock.begin('f', false);
    clock.endQuick();
    await Promise.resolve();
    expect(reports.map((r) => r.count)).toEqual([1]);
    expect(clock.pending).toBe(0);
  });

  it('does not carry a slow last group into the next run', async () => {
    const { clock, reports } = messageClock();
    clock.begin('f', false);
    busyFor(1.5);
    clock.endQuick();
    await nextRun(); // the run's only group, closed as it ended: slow
    expect(reports).toHaveLength(1);
    clock.begin('f', false);
    clock.endQuick();
    clock.begin('f', false);
    clock.endQuick();
    expect(clock.pending).toBe(2); // grouped again
  });

  it('is busy from a begin until its attempt ends its synchronous part: one begun meanwhile is nested', () => {
    const { clock } = messageClock();
    expect(clock.busy).toBe(false);
    clock.begin('f', false);
    expect(clock.busy).toBe(true);
    clock.endQuick();
    expect(clock.busy).toBe(false);
    clock.begin('f', false);
    clock.release(0);
    expect(clock.busy).toBe(false);
  });

  it('survives a report that throws at the end of a run', async () => {
    const clock = new MessageClock(() => {
      throw new Error('report failed');
    });
    clock.begin('f', false);
    clock.endQuick();
    await nextRun(); // an uncaught error here would fail the test
    expect(clock.pending).toBe(0);
  });
});
