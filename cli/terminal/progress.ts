import cliProgress, { type SingleBar } from 'cli-progress';

/*
 * Progress drawn by cli-progress. At a terminal: a live bar beneath the lines printed so far,
 * redrawn in place, the lines scrolling above it. Elsewhere (a CI log, a pipe) nothing is redrawn
 * and no escape code is written: each report's line carries its bar as plain characters.
 */

// A CommonJS module: its names come from the default export.
const { Format, MultiBar } = cliProgress;
const BAR_SIZE = 20;

/** A percent as `[#####...............]  25%`, drawn by cli-progress's bar formatter. */
export function plainBar(percent: number): string {
  const bar = Format.BarFormat(percent / 100, { barsize: BAR_SIZE, barCompleteString: '#'.repeat(BAR_SIZE), barIncompleteString: '.'.repeat(BAR_SIZE), barGlue: '' });
  return `[${bar}] ${String(percent).padStart(3)}%`;
}

export interface ProgressView {
  /** True when a live bar is drawn (the stream is a terminal that takes escape codes). */
  readonly live: boolean;
  /** A line above the bar (or simply a line, with no bar). */
  log(line: string): void;
  /** The live bar at `percent` for `label`; nothing when not live. */
  progress(label: string, percent: number): void;
  /** Takes the live bar off the screen, its pending lines printed first: before a question, or at the end. */
  clear(): void;
}

export function progressView(stream: NodeJS.WriteStream, live: boolean): ProgressView {
  let bars: InstanceType<typeof MultiBar> | null = null;
  let bar: SingleBar | null = null;
  return {
    live,
    log(line) {
      if (bars) bars.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    progress(label, percent) {
      if (!live) return;
      if (!bars || !bar) {
        // gracefulExit off: the watch's own Ctrl-C handler decides what SIGINT means.
        bars = new MultiBar({ stream, format: '{label} [{bar}] {percentage}%', barsize: BAR_SIZE, barCompleteChar: '█', barIncompleteChar: '░', clearOnComplete: true, hideCursor: false, gracefulExit: false });
        bar = bars.create(100, percent, { label });
      } else bar.update(percent, { label });
    },
    clear() {
      if (!bars) return;
      // stop() drops lines logged since the last redraw: one more redraw prints them.
      bars.update();
      bars.stop();
      bars = null;
      bar = null;
    },
  };
}
