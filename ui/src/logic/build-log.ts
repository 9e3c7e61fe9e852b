import type { LiveBuildLog } from '../../../contracts/live.js';

/*
 * A build's log as the deployment page shows it: the stored log (REST, one line per line, numbered
 * from 0) and the lines arriving over socket.io (`build_log`), each numbered, so a line that came
 * both ways, or twice after a reconnect, is shown once and in its place.
 */

export type BuildLogLines = ReadonlyMap<number, string>;

export function storedBuildLog(text: string | null): BuildLogLines {
  const lines = new Map<number, string>();
  if (text) for (const [index, line] of text.split('\n').entries()) lines.set(index, line);
  return lines;
}

export function withArrivedLines(known: BuildLogLines, message: LiveBuildLog): BuildLogLines {
  const lines = new Map(known);
  for (const line of message.lines) lines.set(line.line_no, line.text);
  return lines;
}

/** The lines in order; a stored log longer than what arrived wins where they overlap. */
export function buildLogText(stored: BuildLogLines, arrived: BuildLogLines): string[] {
  const merged = new Map([...arrived, ...stored]);
  return [...merged.keys()].sort((a, b) => a - b).map((lineNo) => merged.get(lineNo)!);
}
