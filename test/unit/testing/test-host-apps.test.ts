import path from 'node:path';
import { trigger } from '@azure/functions';
import { createTestHost } from '../../../src/testing';
import { Notifications } from '../../../functions/notifications';

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

describe('decorated classes and createTestHost({ scriptRoot })', () => {
  const root = path.join(__dirname, '..', '..', '..');

  it("registers the entry files' decorated classes, though each loads its own copy of redis-func", async () => {
    const h = await createTestHost({ scriptRoot: root });
    try {
      expect(await h.publish('notifications', 'hello')).toBe(1);
      expect(h.invocationsOf('onNotification').map((r) => [r.status, r.logs[0]?.message])).toEqual([
        ['succeeded', 'Notification #1: hello'],
      ]);
      expect((await h.invoke('ship', '{"orderId":"A-1","address":"1 Main St"}')).status).toBe('succeeded');
    } finally {
      await h.close();
    }
  });

  it('runs `functions` beside the app loaded from scriptRoot', async () => {
    const extra = {
      name: 'extraGreeting',
      options: {
        trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'C', channel: 'notifications' }),
        handler: () => 'extra',
      },
    };
    const h = await createTestHost({ scriptRoot: root, functions: [extra] });
    try {
      expect(await h.publish('notifications', 'hi')).toBe(2);
      expect(h.invocationsOf('extraGreeting').map((r) => r.result)).toEqual(['extra']);
      expect(h.invocationsOf('onNotification')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('refuses a class passed in `functions` that the app registers too, naming both', async () => {
    await expect(createTestHost({ scriptRoot: root, functions: [Notifications] })).rejects.toThrow(
      "Function name 'onNotification' is registered twice (dist/functions/notifications.js and Notifications)",
    );
  });
});
