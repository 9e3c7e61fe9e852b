import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useAction } from '../hooks.js';
import { FailureNotice } from './failure-notice.js';

/*
 * A dangerous delete behind a dialog that asks for the thing's name. A modal <dialog> makes the page
 * behind inert, puts focus on the first field, closes on Escape and returns focus to the button that
 * opened it; Tab past either end wraps around, since the browser would otherwise leave for its own chrome.
 */

const focusable = 'button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), a[href], [tabindex]:not([tabindex="-1"])';

function wrapTab(event: KeyboardEvent<HTMLDialogElement>): void {
  if (event.key !== 'Tab') return;
  const items = [...event.currentTarget.querySelectorAll<HTMLElement>(focusable)];
  const [first, last] = [items[0], items.at(-1)];
  if (!first || !last) return;
  const edge = event.shiftKey ? first : last;
  if (document.activeElement === edge || !event.currentTarget.contains(document.activeElement)) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}
export function DeleteByName({
  kind,
  name,
  consequence,
  remove,
  onDeleted,
}: {
  kind: 'server' | 'project' | 'service';
  name: string;
  /** What goes with it, in a sentence. */
  consequence: string;
  remove: () => Promise<unknown>;
  onDeleted: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const ids = useId();
  const deletion = useAction(async () => {
    await remove();
    dialog.current?.close();
    onDeleted();
  });
  const close = () => {
    dialog.current?.close();
    setTyped('');
    deletion.clear();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (typed === name) void deletion.run();
  };
  return (
    <>
      <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
        Delete {kind}
        <span className="visually-hidden"> {name}</span>
      </button>
      <dialog ref={dialog} className="confirm-dialog" aria-labelledby={`${ids}-title`} aria-describedby={`${ids}-what`} onClose={close} onKeyDown={wrapTab}>
        <form onSubmit={submit}>
          <h2 id={`${ids}-title`}>
            Delete the {kind} “{name}”?
          </h2>
          <p id={`${ids}-what`}>{consequence} This cannot be undone.</p>
          <div className="field">
            <label htmlFor={`${ids}-name`}>
              Type <strong>{name}</strong> to confirm
            </label>
            <input id={`${ids}-name`} value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" spellCheck={false} />
          </div>
          <FailureNotice failure={deletion.failure} title={`The ${kind} could not be deleted`} />
          <div className="button-row">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="danger" disabled={typed !== name || deletion.busy}>
              {deletion.busy ? 'Deleting…' : `Delete this ${kind}`}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
