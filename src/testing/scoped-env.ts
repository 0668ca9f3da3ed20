/**
 * Sets app settings as environment variables for a test host's lifetime, as the Functions host makes
 * them visible to user code (`process.env.X`). `overwrite: false` keeps an existing variable (the host's
 * rule for local.settings.json Values). The returned function puts back only what this call changed and
 * is still as it left it, so hosts that overlap do not undo each other's settings.
 */
export function scopedEnv(values: Readonly<Record<string, string>>, overwrite: boolean): () => void {
  const changed: [name: string, previous: string | undefined, value: string][] = [];
  for (const [name, value] of Object.entries(values)) {
    const previous = process.env[name];
    if (previous !== undefined && !overwrite) continue;
    process.env[name] = value;
    changed.push([name, previous, value]);
  }
  return () => {
    for (const [name, previous, value] of changed.reverse()) {
      if (process.env[name] !== value) continue;
      if (previous === undefined) delete process.env[name];
      else process.env[name] = previous;
    }
  };
}
