// `bun run seed [--size small|large]`: builds a demo workspace. Filled in with src/domain/crm/seed.ts.
console.log("seed is not implemented yet");
