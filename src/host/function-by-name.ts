import type { ResolvedFunction } from '../triggers/trigger';
import { errorReply, type JsonReply } from './http-json';

/**
 * The function a request path names in its URL-encoded segment `encodedName` (matched without regard to
 * case), or the reply saying why there is none: 400 when the segment is not valid URL encoding (naming
 * `pathname`), 404 when no function has that name. Every admin route that takes a function name finds it
 * here, so they answer alike.
 */
export function functionByEncodedName(
  functions: readonly ResolvedFunction[],
  encodedName: string,
  pathname: string,
): ResolvedFunction | JsonReply {
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    return errorReply(400, `The function name in ${pathname} is not valid URL encoding.`);
  }
  const lower = name.toLowerCase();
  return (
    functions.find((f) => f.name.toLowerCase() === lower) ?? errorReply(404, `No function named '${name}'.`)
  );
}
