/*
 * The variable parts of an error message, replaced so that "user 42 not found" and "user 97 not
 * found" group together. Order matters: whole URLs and e-mails go before the ids and numbers
 * inside them would be replaced piecemeal.
 */
const replacements: readonly [RegExp, string][] = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi, '<url>'],
  [/\b[^\s@"'<>()]+@[^\s@"'<>()]+\.[a-z]{2,}\b/gi, '<email>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<timestamp>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Long hex runs: hashes, object ids, trace ids.
  [/\b[0-9a-f]{8,}\b/gi, '<hex>'],
  // Tokens mixing letters and digits: usr_8f3Kq, order-1234, abc123.
  [/\b(?=[A-Za-z_-]*\d)(?=\d*[A-Za-z])[A-Za-z0-9_-]{4,}\b/g, '<id>'],
  [/-?\b\d+(?:\.\d+)?\b/g, '<num>'],
];

export function normaliseMessage(message: string): string {
  let text = message;
  for (const [pattern, token] of replacements) text = text.replace(pattern, token);
  return text.replace(/\s+/g, ' ').trim();
}
