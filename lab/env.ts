// Process settings for the lab, applied before any handler module loads (import this first):
// handler logs are kept for --verbose, and the SDK's "Node 20 support ends" notice is silenced
// (Lambda runs nodejs22.x; this machine has Node 20).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'us-east-1';
export {};
