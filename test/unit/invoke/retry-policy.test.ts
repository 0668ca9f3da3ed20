import { ErrorCodes } from '../../../src/errors';
import { parseRetryPolicy, retryDelayMs } from '../../../src/invoke/retry-policy';

const where = { file: 'host.json', field: 'retry' };

describe('retry policies', () => {
  it('reads fixedDelay as written in host.json and exponentialBackoff as given to app.generic', () => {
    expect(
      parseRetryPolicy({ strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: '00:00:02' }, where),
    ).toEqual({
      strategy: 'fixedDelay',
      maxRetryCount: 3,
      minimumIntervalMs: 2000,
      maximumIntervalMs: 2000,
    });
    expect(
      parseRetryPolicy(
        {
          strategy: 'exponentialBackoff',
          maxRetryCount: -1,
          minimumInterval: 100,
          maximumInterval: { seconds: 2 },
        },
        where,
      ),
    ).toEqual({
      strategy: 'exponentialBackoff',
      maxRetryCount: Infinity,
      minimumIntervalMs: 100,
      maximumIntervalMs: 2000,
    });
  });

  it('reads the shape @azure/functions hands to the worker', () => {
    expect(
      parseRetryPolicy(
        { retryStrategy: 'fixedDelay', maxRetryCount: 1, delayInterval: { seconds: 5 } },
        where,
      )?.minimumIntervalMs,
    ).toBe(5000);
  });

  it('doubles exponential delays up to the maximum', () => {
    const policy = parseRetryPolicy(
      { strategy: 'exponentialBackoff', maxRetryCount: 5, minimumInterval: 100, maximumInterval: 350 },
      where,
    )!;
    expect(retryDelayMs(policy, 1)).toBeGreaterThanOrEqual(80);
    expect(retryDelayMs(policy, 1)).toBeLessThanOrEqual(100);
    expect(retryDelayMs(policy, 2)).toBeLessThanOrEqual(200);
    expect(retryDelayMs(policy, 5)).toBeLessThanOrEqual(350);
    expect(retryDelayMs(policy, 5)).toBeGreaterThanOrEqual(280);
  });

  it.each([
    [{ strategy: 'sometimes', maxRetryCount: 1 }, 'retry.strategy'],
    [{ strategy: 'fixedDelay', maxRetryCount: 'x', delayInterval: 1 }, 'retry.maxRetryCount'],
    [{ strategy: 'fixedDelay', maxRetryCount: -2, delayInterval: 1 }, 'retry.maxRetryCount'],
    [{ strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 'soon' }, 'retry.delayInterval'],
    [
      { strategy: 'exponentialBackoff', maxRetryCount: 1, minimumInterval: 10, maximumInterval: 5 },
      'retry.maximumInterval',
    ],
  ])('refuses %j naming %s', (raw, field) => {
    expect(() => parseRetryPolicy(raw, { ...where, code: ErrorCodes.HOST_JSON_INVALID })).toThrow(
      expect.objectContaining({ field, code: ErrorCodes.HOST_JSON_INVALID }),
    );
  });
});
