// `bun run audit:verify`: walks every workspace's audit chain and reports the first broken link, if any.
// Filled in with src/domain/audit/verify.ts.
console.log("audit:verify is not implemented yet");
