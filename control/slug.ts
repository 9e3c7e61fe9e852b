/** The slug columns are VARCHAR(100) in the contract. */
const maxSlugLength = 100;

/**
 * A URL-safe name: lower-case ASCII letters, digits and single dashes. Accents are folded
 * ("Café" → "cafe"); a name with nothing usable left becomes `fallback`.
 */
export function slugify(name: string, fallback: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxSlugLength)
    .replace(/^-+|-+$/g, '');
  return slug || fallback;
}
