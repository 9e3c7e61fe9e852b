import { useCallback, useState } from 'react';
import type { Graph } from '../../logic/workflow-graph.js';

/*
 * The builder's undo and redo: every change the user means (add, connect, delete, paste, a form
 * edit, a drag once it ends, a layout) is a step; selecting, and a drag while it moves, are not.
 */

const maxSteps = 200;

interface History {
  past: Graph[];
  present: Graph;
  future: Graph[];
}

export function useGraphHistory(initial: Graph) {
  const [history, setHistory] = useState<History>({ past: [], present: initial, future: [] });
  /** A step to undo; `before` is what undo returns to when the present already moved (a drag). */
  const commit = useCallback((change: (graph: Graph) => Graph, before?: Graph) => {
    setHistory(({ past, present }) => ({ past: [...past, before ?? present].slice(-maxSteps), present: change(present), future: [] }));
  }, []);
  const replace = useCallback((change: (graph: Graph) => Graph) => setHistory((current) => ({ ...current, present: change(current.present) })), []);
  const undo = useCallback(
    () =>
      setHistory(({ past, present, future }) =>
        past.length === 0 ? { past, present, future } : { past: past.slice(0, -1), present: past[past.length - 1]!, future: [present, ...future] },
      ),
    [],
  );
  const redo = useCallback(
    () =>
      setHistory(({ past, present, future }) =>
        future.length === 0 ? { past, present, future } : { past: [...past, present], present: future[0]!, future: future.slice(1) },
      ),
    [],
  );
  return { graph: history.present, canUndo: history.past.length > 0, canRedo: history.future.length > 0, commit, replace, undo, redo };
}
