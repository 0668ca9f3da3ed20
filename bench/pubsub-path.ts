/**
 * `npm run bench -- pubsub-path [--messages N] [--chunk N] [--repeat N] [--root DIR]`: what the Pub/Sub
 * trigger itself costs per message, without Redis. A FunctionHost wired as `redis-func start --json` wires
 * it (JSON logger into /dev/null, Prometheus metrics, no onInvocation) subscribes through the real
 * RedisBroker and RedisPubSubPort to a stand-in subscriber client, and the bench calls the listener
 * node-redis would call, N times, as a decoded message arrives (views into a read's bytes, new each time),
 * `--chunk` messages (default 1,000) per synchronous run, as a socket read hands them over. The floor rows
 * call a counting listener with what node-redis makes for a listener in string mode (a plain subscriber):
 * the message as text, and on a pattern subscription the channel too. Each row runs in fresh Node processes, `--repeat`
 * times (default 5): one measures time (wall and CPU ns per message), one the bytes allocated per message
 * (a young generation big enough that no collection runs while it is counted). `--root` measures another
 * build's dist/ (its src/ modules) with this driver: see `npm run bench -- tracing --against`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { median, option, printTable, repeatArg } from './util';
import { pathDriver, type PathMeasure, type PathVariant } from './path-driver';

const VARIANTS: readonly PathVariant[] = [
  { label: 'floor, PSUBSCRIBE: a counting listener (plain subscriber)', kind: 'floor', pattern: true },
  { label: 'floor, SUBSCRIBE: a counting listener (plain subscriber)', kind: 'floor', pattern: false },
  { label: 'PSUBSCRIBE, sync handler, logs off', kind: 'pubsub', pattern: true },
  { label: 'SUBSCRIBE, sync handler, logs off', kind: 'pubsub', pattern: false },
  { label: 'SUBSCRIBE, async handler, logs off', kind: 'pubsub', pattern: false, asyncHandler: true },
  {
    label: 'SUBSCRIBE, sync handler, Executing/Executed logged',
    kind: 'pubsub',
    pattern: false,
    logged: true,
  },
];

/** Flags of the allocation child: a 256 MB young generation, so that no scavenge runs while it counts. */
const ALLOCATION_FLAGS = ['--min-semi-space-size=256', '--max-semi-space-size=256', '--expose-gc'];

/** One measurement in a fresh process: `node [flags] run.js pubsub-path --child time|bytes --row i`. */
export async function measureInChild(
  bench: string,
  row: number,
  mode: 'time' | 'bytes',
  extra: readonly string[],
): Promise<PathMeasure> {
  const flags = mode === 'bytes' ? ALLOCATION_FLAGS : [];
  const args = [...flags, process.argv[1] ?? '', bench, '--child', mode, '--row', String(row), ...extra];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as PathMeasure;
}

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The dist/ directory whose src/ modules a child drives: `--root`, else this build's. */
export function rootArg(args: readonly string[]): string {
  return path.resolve(argValue(args, 'root') ?? path.join(__dirname, '..'));
}

export async function run(args: readonly string[]): Promise<void> {
  const messages = option(args, 'messages', 1_000_000);
  const mode = argValue(args, 'child');
  if (mode === 'time' || mode === 'bytes') {
    const variant = VARIANTS[Number(argValue(args, 'row'))];
    if (!variant) throw new Error('no such row');
    const driver = pathDriver(rootArg(args));
    const chunk = option(args, 'chunk', 1000);
    console.log(JSON.stringify(await driver.measure(variant, mode, messages, chunk)));
    return;
  }
  const repeat = argValue(args, 'repeat') === undefined ? 5 : repeatArg(args);
  // A logged message costs about 30 times a quiet one: a tenth as many keep its rows as long.
  const extraFor = (v: PathVariant | undefined): string[] => {
    const count = v?.logged ? Math.ceil(messages / 10) : messages;
    return [
      '--messages',
      String(count),
      '--root',
      rootArg(args),
      '--chunk',
      String(option(args, 'chunk', 1000)),
    ];
  };
  const rows: (string | number)[][] = [];
  const floorCpu = { pattern: 0, exact: 0 };
  for (let row = 0; row < VARIANTS.length; row++) {
    const times: PathMeasure[] = [];
    const bytes: number[] = [];
    const extra = extraFor(VARIANTS[row]);
    for (let i = 0; i < repeat; i++) {
      times.push(await measureInChild('pubsub-path', row, 'time', extra));
      const allocated = (await measureInChild('pubsub-path', row, 'bytes', extra)).bytes;
      if (allocated !== undefined) bytes.push(allocated);
    }
    const cpu = median(times.map((t) => t.cpuNs));
    const variant = VARIANTS[row];
    const floorKey = variant?.pattern ? 'pattern' : 'exact';
    if (variant?.kind === 'floor') floorCpu[floorKey] = cpu;
    rows.push([
      VARIANTS[row]?.label ?? '',
      median(times.map((t) => t.wallNs)),
      cpu,
      variant?.kind === 'floor' ? '' : cpu - floorCpu[floorKey],
      bytes.length > 0 ? median(bytes) : 'n/a (a collection ran)',
    ]);
  }
  console.log(
    `\nPub/Sub path without Redis: ${messages.toLocaleString('en-US')} messages per run, medians of ${repeat} ` +
      `runs (node ${process.version}; ${rootArg(args)})\n`,
  );
  printTable(['path', 'ns/message', 'CPU ns/message', 'CPU ns over floor', 'bytes/message'], rows);
}
