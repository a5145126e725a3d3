// The Lambda handlers, by name. A file of its own (no esbuild types) because the construct's
// published declarations name HandlerName, and a CDK app that installs canary-switch has no esbuild.

/** Every Lambda handler file (lambdas/handlers/<name>.ts, each `export async function handler`). */
export const HANDLERS = ['prepare', 'shift', 'evaluate', 'finalize', 'rollback', 'request-approval', 'slack-callback', 'alarm-abort'] as const;
export type HandlerName = (typeof HANDLERS)[number];
