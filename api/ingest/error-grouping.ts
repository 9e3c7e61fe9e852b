import { createHash } from 'node:crypto';
import type { ErrorEvent, StackFrame } from '../../contracts/index.js';
import { normaliseMessage } from './message-normalisation.js';

/*
 * Grouping modelled on Sentry's default: an error's identity is where it happened in the app's own
 * code, not what its message says. The components of the default hash are, in order of preference:
 * - the in-app frames (all frames when none is in-app): each frame's file, function and context
 *   line, normalised so a new deployment (other paths, bundle hashes, line numbers) keeps the group;
 * - without a usable stack, the exception type and the message with its variable parts replaced.
 * A custom `fingerprint` replaces the default; its `{{ default }}` entries stand for the default
 * components, so ["{{ default }}", tenant] splits a group by tenant.
 */

/** Longer context lines are minified code: they change with every build, so they are left out. */
const maxContextLineLength = 120;
const defaultPlaceholder = /^\{\{\s*default\s*\}\}$/;

export interface Grouping {
  fingerprint: string;
  title: string;
}

export function groupError(event: ErrorEvent): Grouping {
  return { fingerprint: fingerprintOf(event), title: titleOf(event) };
}

export function fingerprintOf(event: ErrorEvent): string {
  const defaults = defaultComponents(event);
  const components =
    event.fingerprint.length === 0
      ? defaults
      : event.fingerprint.flatMap((entry) => (defaultPlaceholder.test(entry) ? defaults : [`custom:${entry}`]));
  return createHash('sha256').update(JSON.stringify(components)).digest('hex');
}

function defaultComponents(event: ErrorEvent): string[] {
  const frames = stackComponents(event.stack_trace);
  if (frames.length > 0) return [`type:${event.type}`, ...frames];
  return [`type:${event.type}`, `message:${normaliseMessage(event.message)}`];
}

function stackComponents(stack: readonly StackFrame[]): string[] {
  const inApp = stack.filter((frame) => frame.in_app);
  const chosen = inApp.length > 0 ? inApp : stack;
  return chosen.map(frameComponent).filter((component): component is string => component !== null);
}

/** A frame that names neither a function nor a line of code says nothing stable about the error. */
function frameComponent(frame: StackFrame): string | null {
  const fn = normaliseFunction(frame.function);
  const line = normaliseContextLine(frame.context_line);
  if (fn === '' && line === '') return null;
  return `frame:${normaliseFilename(frame.filename)}|${fn}|${line}`;
}

/**
 * Paths differ between machines and builds (`/app/dist/`, `/srv/releases/41/`, `main.3f9a1c.js`):
 * keep what identifies the module — the package path after `node_modules/`, else the last two
 * segments — with origins, query strings and content hashes removed.
 */
export function normaliseFilename(filename: string): string {
  let name = filename
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '')
    .replace(/[?#].*$/, '')
    .replace(/\\/g, '/');
  const packageStart = name.lastIndexOf('node_modules/');
  if (packageStart >= 0) name = name.slice(packageStart + 'node_modules/'.length);
  else name = name.split('/').filter(Boolean).slice(-2).join('/');
  return name.replace(/([.-])[0-9a-f]{6,}(?=\.)/gi, '$1<hash>');
}

function normaliseFunction(fn: string): string {
  return fn
    .replace(/^(?:async|new)\s+/, '')
    .replace(/<anonymous>|\?/g, '')
    .replace(/\$\d+/g, '')
    .trim();
}

function normaliseContextLine(line: string | undefined): string {
  if (line === undefined) return '';
  const trimmed = line.replace(/\s+/g, ' ').trim();
  return trimmed.length > maxContextLineLength ? '' : trimmed;
}

const maxTitleLength = 255;

/** What the issue list shows: `TypeError: cannot read …`, cut to a line. */
export function titleOf(event: ErrorEvent): string {
  const message = event.message.split('\n', 1)[0]?.trim() ?? '';
  const title = message === '' ? event.type : `${event.type}: ${message}`;
  return title.length > maxTitleLength ? `${title.slice(0, maxTitleLength - 1)}…` : title;
}
