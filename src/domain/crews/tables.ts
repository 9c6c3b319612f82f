// The crews module's tables, as Kysely sees them. src/domain/schema.ts merges them into Database.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CrewsTables {}
