import { FailureReports } from '../../../src/redis/failure-reports';

describe('FailureReports', () => {
  it('reports the first failure, then after 10 s, 20 s, 30 s and every 30 s, quiet in between', () => {
    let now = 1_000_000;
    const reports = new FailureReports(undefined, () => now);
    const reported: number[] = [];
    for (let t = 0; t <= 120_000; t += 1000) {
      now = 1_000_000 + t;
      const report = reports.failed();
      if (report) reported.push(report.failingForMs);
    }
    expect(reported).toEqual([0, 10_000, 20_000, 30_000, 60_000, 90_000, 120_000]);
  });

  it('starts over after the connection recovered', () => {
    let now = 0;
    const reports = new FailureReports([5, 10], () => now);
    expect(reports.failed()).toEqual({ first: true, failingForMs: 0 });
    now = 3;
    expect(reports.failed()).toBeUndefined();
    now = 6;
    expect(reports.failed()).toEqual({ first: false, failingForMs: 6 });
    now = 8;
    expect(reports.recovered()).toBe(8);
    expect(reports.recovered()).toBeUndefined();
    now = 9;
    expect(reports.failed()).toEqual({ first: true, failingForMs: 0 });
  });

  it('reports at the first failure after a due time when attempts are slower than the schedule', () => {
    let now = 0;
    const reports = new FailureReports([10, 20, 30], () => now);
    reports.failed();
    now = 25; // the attempts took long: one report, then the schedule goes on from there
    expect(reports.failed()).toEqual({ first: false, failingForMs: 25 });
    now = 26;
    expect(reports.failed()).toBeUndefined();
    now = 30;
    expect(reports.failed()).toEqual({ first: false, failingForMs: 30 });
  });
});
