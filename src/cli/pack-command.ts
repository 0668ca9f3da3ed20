import path from 'node:path';
import { packApp, type PackResult } from '../pack/pack';
import type { Difference } from '../pack/types';
import type { PackArgs } from './pack-args';

/** `redis-func pack`: packs, then prints what was written, what differs in Azure and the settings needed. */
export async function runPack(args: PackArgs): Promise<number> {
  const result = await packApp({ scriptRoot: args.scriptRoot, outDir: args.outDir, strict: args.strict });
  console.log(report(result));
  return 0;
}

export function report(result: PackResult): string {
  const lines = [`Packed ${result.functions.length} function(s) into ${displayPath(result.outDir)}`, ''];
  for (const fn of result.functions) {
    const from =
      fn.name === fn.shim.function ? '' : `  (from '${fn.shim.function}', key ${fn.shim.key ?? ''})`;
    lines.push(`\t${fn.name}: ${fn.shim.triggerType}${from}`);
  }
  for (const name of result.copiedFunctions) lines.push(`\t${name}: function.json, copied unchanged`);
  lines.push('', `Code copied: ${result.code.join(', ') || '(none)'}`, '');
  if (result.dependencies.length > 0) {
    lines.push('Dependencies made installable from the deploy folder:');
    lines.push(...result.dependencies.map((d) => `  ${d.name}: ${d.spec}  (${d.action})`), '');
  }
  if (result.differences.length > 0) {
    lines.push('Behaves differently in Azure (--strict refuses the rows marked "differs"):', '');
    lines.push(...table(result.differences), '');
  }
  lines.push('Notes:', ...result.notes.map((n) => `  - ${n}`), '');
  lines.push('App settings the deployment needs (set them in Azure; values are not printed):');
  lines.push(...result.settings.map((s) => `  ${s.name.padEnd(28)} ${s.purpose}`), '');
  lines.push(
    'Next: cd into the folder, then `func azure functionapp publish <app>` (remote build installs the',
    'dependencies), or `npm install --omit=dev` there and zip deploy the folder.',
  );
  return lines.join('\n');
}

function displayPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' ? '.' : relative.startsWith('..') ? dir : relative;
}

type Column = Exclude<keyof Difference, 'difference'>;

function table(rows: readonly Difference[]): string[] {
  const header: Record<Column, string> = {
    function: 'function',
    option: 'option',
    local: 'locally (redis-func)',
    azure: 'in Azure',
    severity: '',
  };
  const columns: Column[] = ['severity', 'function', 'option', 'local', 'azure'];
  const all = [header, ...rows];
  const widths = columns.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) =>
    columns
      .map((c, i) => r[c].padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
