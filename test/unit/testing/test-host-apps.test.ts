import path from 'node:path';
import { createTestHost } from '../../../src/testing';

const fixture = (name: string): string => path.join(__dirname, '..', '..', 'fixtures', name);

describe('createTestHost({ scriptRoot }) under Jest', () => {
  it('loads a function.json (v3) app, with its redis input and output bindings', async () => {
    const h = await createTestHost({
      scriptRoot: fixture('v3-app'),
      settings: { KeyPrefix: 'p:', PubSubChannel: 'p:channel' },
    });
    try {
      await h.set('p:in:x', 'value');
      const [run] = h.invocationsOf('KeyWritten');
      expect(run?.status).toBe('succeeded');
      expect(run?.logs.map((l) => l.message)).toEqual(['key p:in:x = value (bindings: value)']);
    } finally {
      await h.close();
    }
  });

  it('settings are environment variables for user code while the host runs, and gone after close()', async () => {
    expect(process.env['KeyPrefix']).toBeUndefined();
    const h = await createTestHost({
      scriptRoot: fixture('v3-app'),
      settings: { KeyPrefix: 'env:', PubSubChannel: 'env:channel' },
    });
    expect(process.env['KeyPrefix']).toBe('env:');
    await h.close();
    await h.close();
    expect(process.env['KeyPrefix']).toBeUndefined();
    expect(process.env['PubSubChannel']).toBeUndefined();
  });

  it('explains that an ES module app cannot be loaded through Jest', async () => {
    await expect(createTestHost({ scriptRoot: fixture('esm-app') })).rejects.toThrow(
      /hello\.js is an ES module, which Jest's CommonJS module registry cannot load/,
    );
  });
});
