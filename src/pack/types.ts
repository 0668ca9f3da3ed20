import type { AzureDifferenceId } from './azure-differences';
import type { ShimSpec } from './runtime/spec';

/** One row of the table of options that behave differently in Azure. */
export interface Difference {
  /** The function (as registered), or `host.json` / `app`. */
  readonly function: string;
  readonly option: string;
  /** How redis-func runs it locally. */
  readonly local: string;
  /** What happens in Azure with the 1.x extension. */
  readonly azure: string;
  /** `differs`: behaviour changes (`--strict` refuses); `note`: translated faithfully, worth knowing. */
  readonly severity: 'differs' | 'note';
  /** The entry of AZURE_DIFFERENCES (the README's "Differences from Azure" table) a `differs` row is. */
  readonly difference?: AzureDifferenceId;
}

/** One `<name>/function.json` of the packed app. */
export interface PackedFunction {
  /** The folder (and Azure function) name. */
  readonly name: string;
  readonly functionJson: Readonly<Record<string, unknown>>;
  readonly shim: ShimSpec;
  /** Where the function was declared (entry file, or `Class.method`). */
  readonly source: string;
}

/** An app setting the deployment needs (its name only; values are never printed). */
export interface NeededSetting {
  readonly name: string;
  readonly purpose: string;
}
