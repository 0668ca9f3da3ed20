import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { neededSettings } from '../../../src/pack/app-settings';
import type { PackedFunction } from '../../../src/pack/types';

const fn = (connection: string): PackedFunction => ({
  name: 'Fn',
  functionJson: {
    bindings: [{ type: 'redisListTrigger', direction: 'in', name: 'entry', connection, key: 'k' }],
  },
  shim: {} as PackedFunction['shim'],
  source: 'fn.js',
});

describe('the app settings pack lists', () => {
  it('names the connection string setting of a connection that has one', () => {
    const settings = new Settings({ ...EMPTY_LOCAL_SETTINGS, values: { Redis: 'h:6379' } }, {});
    const names = neededSettings([fn('Redis')], settings).map((s) => s.name);
    expect(names).toContain('Redis');
  });

  it("names an identity-based connection's settings (never their values) instead of a connection string", () => {
    const values = {
      Redis__redisHostName: 'contoso.redis.cache.windows.net',
      Redis__principalId: 'oid',
      Redis__clientId: 'cid',
    };
    const needed = neededSettings([fn('Redis')], new Settings({ ...EMPTY_LOCAL_SETTINGS, values }, {}));
    const names = needed.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['Redis__redisHostName', 'Redis__principalId', 'Redis__clientId']),
    );
    expect(names).not.toContain('Redis');
    expect(names).not.toContain('Redis__clientSecret');
    expect(JSON.stringify(needed)).not.toMatch(/contoso|"oid"|cid/);
  });
});
