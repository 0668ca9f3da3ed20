import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ErrorCodes } from '../errors';
import { MANIFEST_FILE } from './runtime/spec';

/** `--out` relative to the current directory; without it `<script root>/.redis-func/deploy`. */
export function resolveOutDir(root: string, out: string | undefined): string {
  return out === undefined ? path.join(root, '.redis-func', 'deploy') : path.resolve(out);
}

/**
 * Empties the output folder: only one that is empty or holds an earlier pack (its manifest), and never
 * the script root or a folder that contains it.
 */
export function prepareOutDir(root: string, outDir: string): void {
  const relative = path.relative(outDir, root);
  if (relative === '' || !relative.startsWith('..')) {
    throw outError(outDir, 'is the script root or contains it; choose a folder of its own');
  }
  if (existsSync(outDir)) {
    const entries = readdirSync(outDir);
    if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
      throw outError(
        outDir,
        `is not empty and holds no earlier pack (${MANIFEST_FILE}); it is left as it is`,
      );
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
}

function outError(outDir: string, problem: string): ConfigError {
  return new ConfigError(ErrorCodes.PACK_OUT_DIR, `Output folder ${outDir} ${problem}.`, { field: '--out' });
}
