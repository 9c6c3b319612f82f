// A small JSON Schema (2020-12) checker for the keywords our OpenAPI document uses: $ref, type, enum, const,
// properties, required, additionalProperties, items, anyOf, pattern, format (uuid, date-time), lengths and ranges.
// Returns the problems found, each with its JSON path; an unknown keyword is itself a problem, so the document
// cannot grow a rule this checker silently ignores.

type Json = Record<string, any>;

const KNOWN = new Set([
  "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames", "items", "anyOf", "pattern", "format",
  "minLength", "maxLength", "minimum", "maximum", "maxItems", "minItems", "description", "default", "exclusiveMinimum",
]);

const typeOk = (t: string, v: unknown) =>
  t === "null" ? v === null
  : t === "array" ? Array.isArray(v)
  : t === "object" ? typeof v === "object" && v !== null && !Array.isArray(v)
  : t === "integer" ? Number.isInteger(v)
  : t === "number" ? typeof v === "number"
  : typeof v === t;

export function validate(doc: Json, schema: Json, value: unknown, path = "$"): string[] {
  if (schema.$ref) return validate(doc, doc.components.schemas[String(schema.$ref).split("/").pop()!], value, path);
  const out: string[] = [];
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) out.push(`${path}: schema keyword ${k} not checked`);
  if (schema.anyOf) {
    const fits = (schema.anyOf as Json[]).some((s) => validate(doc, s, value, path).length === 0);
    if (!fits) out.push(`${path}: matches none of anyOf`);
  }
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeOk(t, value))) return [...out, `${path}: expected ${types.join("|")}, got ${JSON.stringify(value)?.slice(0, 60)}`];
  }
  if (schema.enum && !schema.enum.some((e: unknown) => e === value)) out.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ("const" in schema && schema.const !== value) out.push(`${path}: not ${JSON.stringify(schema.const)}`);
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) out.push(`${path}: does not match ${schema.pattern}`);
    if (schema.format === "uuid" && !/^[0-9a-f-]{36}$/i.test(value)) out.push(`${path}: not a uuid`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`${path}: too long`);
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push(`${path}: too short`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${path}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${path}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${path}: too many items`);
    if (schema.items) value.forEach((v, i) => out.push(...validate(doc, schema.items, v, `${path}[${i}]`)));
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as Record<string, Json>;
    for (const r of schema.required ?? []) if (!(r in value)) out.push(`${path}.${r}: required, missing`);
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) out.push(...validate(doc, props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${path}.${k}: not in the schema`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object") out.push(...validate(doc, schema.additionalProperties, v, `${path}.${k}`));
    }
  }
  return out;
}
