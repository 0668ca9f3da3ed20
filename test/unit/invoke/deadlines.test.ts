import { Deadlines, tickFor } from '../../../src/invoke/deadlines';

describe('Deadlines', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('expires a deadline once, up to a tick late, unless cancelled first', () => {
    const deadlines = new Deadlines(10);
    const expired: string[] = [];
    deadlines.add(50, () => expired.push('a'));
    const cancelB = deadlines.add(50, () => expired.push('b'));
    cancelB();
    jest.advanceTimersByTime(40);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(20);
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(100);
    expect(expired).toEqual(['a']);
  });

  it('expires every due deadline of a sweep whatever an expiry does to the others, except one it cancelled', () => {
    const deadlines = new Deadlines(10);
    const expired: string[] = [];
    let cancelC = (): void => undefined;
    // a's expiry cancels b (the one after it) and c (due later), and adds d: as a Pub/Sub feed going on
    deadlines.add(20, () => {
      expired.push('a');
      cancelB();
      cancelC();
      deadlines.add(20, () => expired.push('d'));
    });
    const cancelB = deadlines.add(20, () => expired.push('b'));
    cancelC = deadlines.add(20, () => expired.push('c'));
    deadlines.add(20, () => expired.push('e')); // after the cancelled ones: still expires in this sweep
    jest.advanceTimersByTime(20); // the sweep at 20 ms: all four due
    expect(expired).toEqual(['a', 'e']);
    jest.advanceTimersByTime(30);
    expect(expired).toEqual(['a', 'e', 'd']);
  });

  it('cancels any deadline of those in flight, first, middle or last, and a late cancel does nothing', () => {
    const deadlines = new Deadlines(10);
    const expired: number[] = [];
    const cancels = [0, 1, 2, 3, 4].map((i) => deadlines.add(20 + i, () => expired.push(i)));
    cancels[0]?.();
    cancels[2]?.();
    cancels[4]?.();
    jest.advanceTimersByTime(40);
    expect(expired).toEqual([1, 3]);
    cancels[1]?.(); // expired already
    const cancelLate = deadlines.add(20, () => expired.push(5));
    jest.advanceTimersByTime(40);
    expect(expired).toEqual([1, 3, 5]);
    cancelLate();
    cancels[3]?.();
    deadlines.add(20, () => expired.push(6));
    jest.advanceTimersByTime(40);
    expect(expired).toEqual([1, 3, 5, 6]);
  });

  it("counts from the reading it is given (the invocation's start), not from when it is added", () => {
    const deadlines = new Deadlines(10);
    const expired: string[] = [];
    deadlines.add(50, () => expired.push('started 40 ms ago'), performance.now() - 40);
    deadlines.add(50, () => expired.push('starts now'));
    jest.advanceTimersByTime(20);
    expect(expired).toEqual(['started 40 ms ago']);
    jest.advanceTimersByTime(40);
    expect(expired).toEqual(['started 40 ms ago', 'starts now']);
  });

  it('keeps working after everything was cancelled and the timer stopped', () => {
    const deadlines = new Deadlines(10);
    const expired: number[] = [];
    for (let i = 0; i < 100; i++) deadlines.add(1000, () => expired.push(i))();
    jest.advanceTimersByTime(50); // a sweep finds nothing pending and stops the timer
    expect(jest.getTimerCount()).toBe(0);
    deadlines.add(30, () => expired.push(-1));
    jest.advanceTimersByTime(40);
    expect(expired).toEqual([-1]);
  });

  it('ticks at about 5% of the timeout, between 10 ms and 1 s', () => {
    expect([tickFor(100), tickFor(10_000), tickFor(3_600_000)]).toEqual([10, 500, 1000]);
  });
});
