/** redis-func: run, test and deploy Azure Functions triggered by Redis, natively on Node.js. */
export {
  FunctionApp,
  RedisListTrigger,
  RedisPubSubTrigger,
  RedisStreamTrigger,
  registrationsOf,
} from './registration/decorators';
export type {
  AppRegistration,
  DecoratorCommonOptions,
  RedisListTriggerOptions,
  RedisPubSubTriggerOptions,
  RedisStreamTriggerOptions,
} from './registration/decorators';
export type { RedisMessageModel } from './invoke/model';
export { invocationSignal } from './invoke/abort-signal';
export type { InvocationRecord, InvocationStatus } from './invoke/invoker';
export type { FunctionDefinition, BindingDefinition, FunctionHandler } from './registration/definition';
export { FunctionHost, type FunctionHostOptions, type HostState } from './host/function-host';
export { createRedisHost } from './host/create-host';
export { loadConfiguration, type AppConfiguration, type LoadOptions } from './config/load';
export { parseConnectionString, type RedisEndpoint } from './redis/connection-string';
export { createLogger } from './logging';
export {
  ConfigError,
  ConnectionError,
  ErrorCodes,
  FunctionTimeoutError,
  NonRetryableError,
  RedisFuncError,
  type ErrorCode,
} from './errors';
