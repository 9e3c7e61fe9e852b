import pc from 'picocolors';

/*
 * What a command prints. Colours only on a terminal (picocolors alone would colour CI logs, which
 * it treats as colour-capable); NO_COLOR and TERM=dumb turn them off there too. `--json` prints
 * the API's resources as the contract shapes them, one document per command.
 */

/** A terminal that takes escape codes: colours and redrawn progress. */
export const takesEscapes = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
export const onTerminal = takesEscapes(process.stdout);
export const colors = pc.createColors(onTerminal);

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Columns padded to their widest cell; the header dimmed on a terminal. */
export function printTable(headers: string[], rows: string[][]): void {
  if (rows.length === 0) {
    printLine(colors.dim('(none)'));
    return;
  }
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  printLine(colors.dim(format(headers)));
  for (const row of rows) printLine(format(row));
}

const statusColors: Record<string, (text: string) => string> = {
  running: colors.green,
  succeeded: colors.green,
  waiting_approval: colors.yellow,
  online: colors.green,
  failed: colors.red,
  error: colors.red,
  offline: colors.red,
  rolled_back: colors.yellow,
  cancelled: colors.yellow,
};

export const statusText = (status: string) => (statusColors[status] ?? ((text: string) => text))(status);

export const shortId = (id: string) => id.slice(0, 8);
