/** Parses `hh:mm:ss[.fff]`, `d.hh:mm:ss` or a plain number of milliseconds. Returns undefined when invalid. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
  if (!match) return undefined;
  const [, days, hours, minutes, seconds, fraction] = match;
  if (Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  const ms = fraction ? Number(fraction.padEnd(3, '0')) : 0;
  return (
    ((Number(days ?? 0) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000 + ms
  );
}
