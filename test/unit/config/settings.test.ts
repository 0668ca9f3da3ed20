import { parseLocalSettings } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ConfigError, ErrorCodes } from '../../../src/errors';

const local = parseLocalSettings({
  IsEncrypted: false,
  Values: {
    Channel: 'from-file',
    RedisConnectionString: 'file:6379',
    'AzureWebJobs.off.Disabled': 'true',
    Port: 5,
  },
  ConnectionStrings: { Other: 'other:6379' },
  Host: { LocalHttpPort: 7072 },
});

describe('local.settings.json', () => {
  it('reads Values, ConnectionStrings and Host.LocalHttpPort', () => {
    expect(local.values['Channel']).toBe('from-file');
    expect(local.values['Port']).toBe('5');
    expect(local.connectionStrings['Other']).toBe('other:6379');
    expect(local.localHttpPort).toBe(7072);
  });

  it('refuses an encrypted file with a clear message', () => {
    expect(() => parseLocalSettings({ IsEncrypted: true, Values: {} })).toThrow(
      expect.objectContaining({ code: ErrorCodes.LOCAL_SETTINGS_ENCRYPTED, field: 'IsEncrypted' }),
    );
  });

  it('refuses values that are not strings, naming the field', () => {
    expect(() => parseLocalSettings({ Values: { A: { nested: true } } })).toThrow(
      /"Values.A" must be a string/,
    );
  });
});

describe('Settings', () => {
  it('lets the environment win over the file', () => {
    const settings = new Settings(local, { Channel: 'from-env' });
    expect(settings.get('Channel')).toBe('from-env');
    expect(new Settings(local, {}).get('Channel')).toBe('from-file');
  });

  it('finds connections in the environment, Values, ConnectionStrings and with the AzureWebJobs prefix', () => {
    expect(new Settings(local, {}).getConnection('RedisConnectionString')).toBe('file:6379');
    expect(new Settings(local, {}).getConnection('Other')).toBe('other:6379');
    expect(new Settings(local, { 'ConnectionStrings:Other': 'env:1' }).getConnection('Other')).toBe('env:1');
    expect(new Settings(local, { AzureWebJobsThing: 'aw:1' }).getConnection('Thing')).toBe('aw:1');
    expect(new Settings(local, {}).getConnection('Nothing')).toBeUndefined();
  });

  it('reads AzureWebJobs.<name>.Disabled as true or 1', () => {
    expect(new Settings(local, {}).isDisabled('off')).toBe(true);
    expect(new Settings(local, { 'AzureWebJobs.on.Disabled': '1' }).isDisabled('on')).toBe(true);
    expect(new Settings(local, { 'AzureWebJobs.on.Disabled': 'false' }).isDisabled('on')).toBe(false);
  });

  it('resolves %Setting% and names a missing one', () => {
    const settings = new Settings(local, {});
    expect(settings.resolve('%Channel%:x', { functionName: 'f', field: 'channel' })).toBe('from-file:x');
    expect(() => settings.resolve('%Missing%', { functionName: 'f', field: 'channel' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.SETTING_MISSING }),
    );
    expect(() => settings.resolve('%Missing%', { functionName: 'f', field: 'channel' })).toThrow(ConfigError);
  });
});
