import { diffLines } from 'diff';

/*
 * The generated Dockerfile as a line diff against the current one (empty when there is none):
 * every line carries its sign (+ added, − removed, blank kept) besides its colour, and <ins>/<del>
 * say the same to a screen reader.
 */

interface DiffLine {
  kind: 'added' | 'removed' | 'kept';
  text: string;
}

export function dockerfileDiffLines(current: string, generated: string): DiffLine[] {
  return diffLines(current, generated).flatMap((change) => {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'kept';
    return change.value.replace(/\n$/, '').split('\n').map((text) => ({ kind, text }));
  });
}

const signs = { added: '+', removed: '-', kept: ' ' } as const;

export function DockerfileDiff({ current, generated }: { current: string; generated: string }) {
  const lines = dockerfileDiffLines(current, generated);
  const added = lines.filter((line) => line.kind === 'added').length;
  const removed = lines.filter((line) => line.kind === 'removed').length;
  return (
    <>
      <p className="muted" data-testid="diff-summary">
        {current === '' ? 'No current Dockerfile: every line is new. ' : ''}
        {added} {added === 1 ? 'line' : 'lines'} added, {removed} removed.
      </p>
      <pre className="generated dockerfile-diff" aria-label="Dockerfile changes" tabIndex={0}>
        {lines.map((line, index) => {
          const text = `${signs[line.kind]} ${line.text}\n`;
          return line.kind === 'added' ? (
            <ins key={index} data-kind="added">{text}</ins>
          ) : line.kind === 'removed' ? (
            <del key={index} data-kind="removed">{text}</del>
          ) : (
            <span key={index} data-kind="kept">{text}</span>
          );
        })}
      </pre>
    </>
  );
}
