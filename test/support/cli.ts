import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'redis-func.js');

export interface CliProcess {
  readonly child: ChildProcess;
  /** JSON log lines seen so far (plain lines are kept in `text`). */
  readonly lines: Record<string, unknown>[];
  readonly text: string[];
  waitForLine(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/**
 * Runs the built CLI (`npm run build` first) as a child process and parses its JSON log lines; `where`
 * runs another copy (e.g. one an app installed) from another folder.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  where: { readonly bin?: string; readonly cwd?: string } = {},
): CliProcess {
  const child = spawn(process.execPath, [where.bin ?? BIN, ...args], {
    cwd: where.cwd ?? ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const text: string[] = [];
  let err = '';
  const waiters = new Set<() => void>();
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      text.push(line);
    }
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    lines,
    text,
    exited,
    stderr: () => err,
    waitForLine(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching line within ${timeoutMs}ms; stdout:\n${text.join('\n')}\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${err}`,
            ),
          );
        }, timeoutMs);
        function check(): void {
          const found = lines.find(predicate);
          if (found) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the CLI exited (${child.exitCode}) before a matching line; stderr:\n${err}`));
          }
        }
        waiters.add(check);
        check();
      });
    },
  };
}
