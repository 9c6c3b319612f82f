// The CRM's own navigation, on every list page: one tap from any list to any other.
const SECTIONS = [
  ["contacts", "Contacts"],
  ["companies", "Companies"],
  ["leads", "Leads"],
  ["deals", "Deals"],
  ["pipelines", "Pipelines"],
  ["tasks", "My tasks"],
  ["imports", "Import"],
  ["fields", "Custom fields"],
  ["forms", "Forms"],
  ["attribution", "Attribution"],
] as const;

export type CrmSection = (typeof SECTIONS)[number][0];

export function CrmNav({ slug, current }: { slug: string; current: CrmSection }) {
  return (
    <nav aria-label="CRM" class="subnav">
      {SECTIONS.map(([key, label]) => (
        <a href={`/t/${slug}/crm/${key}`} aria-current={key === current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}
