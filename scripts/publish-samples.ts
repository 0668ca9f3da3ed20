/**
 * Publishes the sample app's events so a newcomer sees invocations in the host's log:
 *   npm run samples -- <port | redis URL>
 * Without an argument it uses RedisConnectionString (environment, then local.settings.json).
 */
import { createClient } from 'redis';
import { loadLocalSettings } from '../src/config/local-settings';
import { Settings } from '../src/config/settings';
import { describeEndpoint, parseConnectionString } from '../src/redis/connection-string';

function target(arg: string | undefined): string {
  if (arg && /^\d+$/.test(arg)) return `redis://127.0.0.1:${arg}`;
  if (arg) return arg;
  const configured = new Settings(loadLocalSettings(process.cwd())).getConnection('RedisConnectionString');
  if (!configured) {
    console.error(
      'Which Redis? Pass the port the host printed ("npm run samples -- 6390") or set RedisConnectionString.',
    );
    process.exit(2);
  }
  return configured;
}

async function main(): Promise<void> {
  const endpoint = parseConnectionString(target(process.argv[2]), 'RedisConnectionString');
  const client = createClient({
    socket: { host: endpoint.host, port: endpoint.port, ...(endpoint.tls ? { tls: true as const } : {}) },
    username: endpoint.username,
    password: endpoint.password,
    database: endpoint.database,
  });
  await client.connect();
  const events: [string, string][] = [
    ['orders:created', JSON.stringify({ id: 'A-1001', total: 42.5 })],
    ['orders:shipped', JSON.stringify({ id: 'A-1001', carrier: 'DHL' })],
    ['notifications', JSON.stringify({ type: 'inventory-alert', sku: 'WIDGET-7', left: 3 })],
  ];
  const broadcast = JSON.stringify({ type: 'broadcast', text: 'Store closes at 18:00' });
  for (const channel of ['orders:created', 'orders:shipped', 'notifications'])
    events.push([channel, broadcast]);
  for (const [channel, message] of events) {
    const receivers = await client.publish(channel, message);
    console.log(`PUBLISH ${channel} ${message}  -> ${receivers} subscription(s)`);
  }
  await client.set('cart:42', 'abandoned');
  await client.del('cart:42');
  console.log('SET cart:42 then DEL cart:42  -> a keyevent notification on __keyevent@0__:del');
  const shipments = [JSON.stringify({ orderId: 'A-1001', address: '1 Main St' }), 'not a shipment'];
  await client.rPush('shipments', shipments);
  console.log(`RPUSH shipments ${shipments.map((s) => `'${s}'`).join(' ')}  -> the second is dead-lettered`);
  const id = await client.xAdd('payments', '*', { orderId: 'A-1001', amount: '42.50' });
  console.log(`XADD payments * orderId A-1001 amount 42.50  -> entry ${id}`);
  console.log(`Sent to ${describeEndpoint(endpoint)}.`);
  client.destroy();
}

main().catch((error: unknown) => {
  console.error(
    `Could not publish the sample events: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
