import { Layout } from "./layout.tsx";

/** The signed-out home page: what Steward is, and the way in. */
export function HomePage() {
  return (
    <Layout title="Operations for small teams">
      <h1>Steward</h1>
      <p class="lead">
        One place for a small team to plan its people and run its customers, built for teams that look after other
        people's data.
      </p>
      <div class="actions">
        <a class="button" href="/signup">
          Create a workspace
        </a>
        <a class="button secondary" href="/signin">
          Sign in
        </a>
      </div>
      <div class="grid">
        <section class="card">
          <h2>Capacity planning</h2>
          <p>Contact volumes, forecasts, Erlang staffing and FTE plans for contact centres.</p>
        </section>
        <section class="card">
          <h2>Crews</h2>
          <p>Weekly crew schedules, manpower projections and concrete pours for construction contractors.</p>
        </section>
        <section class="card">
          <h2>CRM</h2>
          <p>Companies, contacts, leads, deals and pipelines, messages and lead forms.</p>
        </section>
        <section class="card">
          <h2>Privacy built in</h2>
          <p>
            Strict workspace isolation, a full audit trail, personal-data exports and erasure within 30 days. One cookie,
            no trackers.
          </p>
        </section>
      </div>
    </Layout>
  );
}
