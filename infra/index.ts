// `canary-switch/cdk`: the construct for your own CDK app (docs/cdk-app.md).
//   import { CanarySwitch } from 'canary-switch/cdk';
//   new CanarySwitch(stack, 'CanarySwitch', { listenerArns: [...] });
export { CanarySwitch, type CanarySwitchProps, type RolloutSchedule, type ShiftableTag, type SlackProps } from './canary-switch.ts';
export type { HandlerName } from './handlers.ts';
