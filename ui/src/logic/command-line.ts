/*
 * What a person types in the command runner, split into the argv that `POST /services/:id/exec`
 * runs without a shell, the way a POSIX shell splits words: blanks separate words, '…' keeps
 * everything as it is, "…" keeps blanks and honours \" and \\, and a backslash outside quotes
 * keeps the next character. Nothing else a shell does happens (variables, globs, pipes): for
 * those, type sh -c '…'.
 */

export type SplitCommand = { ok: true; argv: string[] } | { ok: false; problem: string };

export function splitCommandLine(text: string): SplitCommand {
  const argv: string[] = [];
  // A word starts at its first character or quote, so '' is a word (an empty argument).
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    const next = text[index + 1];
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') {
        quote = null;
      } else if (char === '\\' && (next === '"' || next === '\\')) {
        word += next;
        index += 1;
      } else {
        word += char;
      }
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (next === undefined) return { ok: false, problem: 'The command ends with a lone backslash' };
      word += next;
      index += 1;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) return { ok: false, problem: `A ${quote === '"' ? 'double' : 'single'} quote is not closed` };
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, problem: 'Type a command to run' };
  return { ok: true, argv };
}
