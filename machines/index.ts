// The pure statecharts, as `drs-failback/machines`: the wave and plan machines with their
// types, the lifecycle helpers and the poll delays. Only xstate is imported from here, so a
// consumer can embed them (or generate from them) without the AWS SDK.
export * from './backoff.js';
export * from './lifecycle.js';
export * from './plan.machine.js';
export * from './types.js';
export * from './wave.machine.js';
