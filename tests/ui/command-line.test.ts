import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../../ui/src/logic/command-line.js';

const argv = (text: string) => {
  const split = splitCommandLine(text);
  if (!split.ok) throw new Error(split.problem);
  return split.argv;
};

describe('the command runner splits a typed line into words like a shell', () => {
  it('splits on blanks, however many', () => {
    expect(argv('  ls   -la\t/www ')).toEqual(['ls', '-la', '/www']);
  });

  it("keeps quoted blanks, and everything inside '…' as it is", () => {
    expect(argv(`sh -c 'echo "$HOME" \\n; exit 3'`)).toEqual(['sh', '-c', 'echo "$HOME" \\n; exit 3']);
    expect(argv('echo "two  words" and"joined"')).toEqual(['echo', 'two  words', 'andjoined']);
  });

  it('honours backslashes outside quotes and before " or \\ inside double quotes', () => {
    expect(argv('echo a\\ b "say \\"hi\\" \\\\ \\n"')).toEqual(['echo', 'a b', 'say "hi" \\ \\n']);
  });

  it('keeps an empty quoted word', () => {
    expect(argv(`printf '%s|' '' x`)).toEqual(['printf', '%s|', '', 'x']);
  });

  it('says what is wrong with a line it cannot split', () => {
    expect(splitCommandLine('echo "open')).toEqual({ ok: false, problem: 'A double quote is not closed' });
    expect(splitCommandLine("echo 'open")).toEqual({ ok: false, problem: 'A single quote is not closed' });
    expect(splitCommandLine('echo \\')).toEqual({ ok: false, problem: 'The command ends with a lone backslash' });
    expect(splitCommandLine('   ')).toEqual({ ok: false, problem: 'Type a command to run' });
  });
});
