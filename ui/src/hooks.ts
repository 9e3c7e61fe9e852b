import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure } from './api/client.js';

/* Loading what a page shows, and running what a button does, each with its progress and failure. */

export interface Loaded<Data> {
  data: Data | null;
  failure: ApiFailure | null;
  loading: boolean;
  reload: () => Promise<void>;
}

export function asFailure(error: unknown): ApiFailure {
  return error instanceof ApiFailure ? error : new ApiFailure('INTERNAL_ERROR', error instanceof Error ? error.message : String(error), 0, null);
}

/** `load()` now and whenever `key` changes; `reload` re-reads without blanking what is shown. */
export function useLoad<Data>(load: () => Promise<Data>, key: string): Loaded<Data> {
  const [state, setState] = useState<{ data: Data | null; failure: ApiFailure | null; loading: boolean }>({ data: null, failure: null, loading: true });
  const loader = useRef(load);
  loader.current = load;
  const current = useRef(key);
  const reload = useCallback(async () => {
    const requested = current.current;
    try {
      const data = await loader.current();
      if (requested === current.current) setState({ data, failure: null, loading: false });
    } catch (error) {
      if (requested === current.current) setState((previous) => ({ ...previous, failure: asFailure(error), loading: false }));
    }
  }, []);
  useEffect(() => {
    current.current = key;
    setState({ data: null, failure: null, loading: true });
    void reload();
  }, [key, reload]);
  return { ...state, reload };
}

/** Calls `tick` every `intervalMs` while `active`. */
export function useInterval(tick: () => void, intervalMs: number, active: boolean): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => saved.current(), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
}

export interface Operation<Args extends unknown[]> {
  run: (...args: Args) => Promise<void>;
  busy: boolean;
  failure: ApiFailure | null;
  clear: () => void;
}

/** A button's operation: busy while it runs (the button shows it and cannot be pressed twice), its failure kept to show. */
export function useAction<Args extends unknown[]>(perform: (...args: Args) => Promise<unknown>): Operation<Args> {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const saved = useRef(perform);
  saved.current = perform;
  const run = useCallback(async (...args: Args) => {
    setBusy(true);
    setFailure(null);
    try {
      await saved.current(...args);
    } catch (error) {
      setFailure(asFailure(error));
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, failure, clear: () => setFailure(null) };
}
