// aws-local-stepfunctions 3.x uses Promise.withResolvers, which Node 20 lacks (Node 22 has it).
import '../lab/polyfills.ts';

// The SDK's "Node 20 support ends" notice is for this machine, not for Lambda (nodejs22.x).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
