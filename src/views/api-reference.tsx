import { Layout } from "./layout.tsx";

// The API reference, rendered on the server from the OpenAPI document: no third-party script, nothing to load.

type Json = Record<string, any>;

const METHODS = ["get", "post", "patch", "delete"] as const;

function resolve(doc: Json, s: Json | undefined): Json {
  if (s?.$ref) return doc.components.schemas[String(s.$ref).split("/").pop()!] ?? {};
  return s ?? {};
}

/** A schema as a short type: string, uuid, integer, "a" | "b", array of …, or null-able. */
function typeOf(doc: Json, s: Json | undefined): string {
  if (!s) return "any";
  if (s.$ref) return String(s.$ref).split("/").pop()!;
  if (s.enum) return s.enum.map((v: unknown) => JSON.stringify(v)).join(" | ");
  if (s.anyOf) return s.anyOf.map((x: Json) => typeOf(doc, x)).join(" | ");
  const t = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  if (t === "array") return `array of ${typeOf(doc, s.items)}`;
  if (s.format) return s.format;
  return t ?? "any";
}

function Fields({ doc, schema }: { doc: Json; schema: Json | undefined }) {
  const s = resolve(doc, schema);
  const props = Object.entries((s.properties ?? {}) as Record<string, Json>);
  if (props.length === 0) return <p class="muted">{typeOf(doc, schema)}</p>;
  const required = new Set<string>(s.required ?? []);
  return (
    <ul>
      {props.map(([name, p]) => (
        <li>
          <code>{name}</code> {typeOf(doc, p)}
          {required.has(name) && <strong> required</strong>}
          {p.description && ` · ${p.description}`}
        </li>
      ))}
    </ul>
  );
}

export function ApiReferencePage({ doc }: { doc: Json }) {
  const base = doc.servers?.[0]?.url ?? "";
  return (
    <Layout title="API reference">
      <h1>{doc.info.title}</h1>
      <p>{doc.info.description}</p>
      <p>
        Base address <code>{base}</code>. Machine-readable: <a href="/api/v1/openapi.json">openapi.json</a> (OpenAPI {doc.openapi}). Lists take <code>limit</code>{" "}
        (1–100) and <code>cursor</code> and answer <code>{"{ data, next_cursor }"}</code>.
      </p>
      {Object.entries(doc.paths as Record<string, Json>).map(([path, item]) =>
        METHODS.filter((m) => item[m]).map((m) => {
          const op = item[m] as Json;
          const params = [...(item.parameters ?? []), ...(op.parameters ?? [])] as Json[];
          const body = op.requestBody?.content?.["application/json"]?.schema;
          return (
            <section id={op.operationId}>
              <h2>
                <code>
                  {m.toUpperCase()} {path}
                </code>
              </h2>
              <p>{op.summary}</p>
              {params.length > 0 && (
                <>
                  <h3>Parameters</h3>
                  <ul>
                    {params.map((p) => (
                      <li>
                        <code>{p.name}</code> ({p.in}) {typeOf(doc, p.schema)}
                        {p.description && ` · ${p.description}`}
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {body && (
                <>
                  <h3>Body</h3>
                  <Fields doc={doc} schema={body} />
                </>
              )}
              <h3>Responses</h3>
              <ul>
                {Object.entries(op.responses as Record<string, Json>).map(([code, r]) => (
                  <li>
                    <strong>{code}</strong> {r.description} {r.content?.["application/json"]?.schema && <code>{typeOf(doc, r.content["application/json"].schema)}</code>}
                  </li>
                ))}
              </ul>
            </section>
          );
        }),
      )}
      <h2>Schemas</h2>
      {Object.entries(doc.components.schemas as Record<string, Json>)
        .filter(([n]) => !/Create$|Update$|Page$/.test(n))
        .map(([n, s]) => (
          <section id={`schema-${n}`}>
            <h3>{n}</h3>
            <Fields doc={doc} schema={s} />
          </section>
        ))}
    </Layout>
  );
}
