/**
 * Which functions use a connection setting (they name its connections, CLIENT SETNAME). Kept apart from
 * connections.ts so that the public types of the host do not reach the Redis client's declarations.
 */
export interface ConnectionUsers {
  readonly functions: readonly string[];
  readonly pubsub: readonly string[];
}
