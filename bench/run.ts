/**
 * `npm run bench -- <name> [options]`: runs bench/<name>.ts (compiled), which prints a table comparing
 * redis-func with a plain node-redis loop doing the same work in the same run. Not part of `npm test`.
 */
import path from 'node:path';

interface BenchModule {
  run(args: readonly string[]): Promise<void>;
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || !/^[a-z-]+$/.test(name)) {
    console.error('Usage: npm run bench -- <name>   (a file in bench/, e.g. lists, streams, memory)');
    process.exit(2);
  }
  const mod = (await import(path.join(__dirname, `${name}.js`))) as BenchModule;
  await mod.run(args);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
