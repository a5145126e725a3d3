// aws-local-stepfunctions 3.x uses Promise.withResolvers, which Node 20 lacks (Node 22 has it).
import '../lab/polyfills.ts';

// The SDK's "Node 20 support ends" notice is for this machine, not for Lambda (nodejs22.x).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Handlers log JSON lines (Powertools Logger) on every call; tests stay quiet unless asked:
// `POWERTOOLS_LOG_LEVEL=DEBUG npx vitest run <file>` shows them while debugging a failure.
// test/slack/logs.test.ts raises the level itself to capture and check every line.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
