import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorGroup, IssueActivity, IssueStatus } from '../../../../contracts/api/observability.js';
import type { IssueSort } from '../../../../contracts/api/queries.js';
import type { ApiFailure } from '../../api/client.js';
import { issues } from '../../api/endpoints.js';
import { asFailure } from '../../hooks.js';

/*
 * What the issue list reads: a project's issues a page at a time as the list scrolls towards its
 * end (a project may have tens of thousands), and the sparkline counts of the rows drawn only.
 */

/** The API's largest page. */
export const issuesPerPage = 100;

export interface IssuePages {
  issues: ErrorGroup[];
  complete: boolean;
  loading: boolean;
  failure: ApiFailure | null;
  /** Reads the next page, unless one is on its way or there is none. */
  more: () => void;
  /** Starts again from the first page (after a reconnect, when live events may have been missed). */
  reset: () => void;
}

export function useIssuePages(projectId: string, query: { status: IssueStatus; sort: IssueSort; search: string }): IssuePages {
  const { status, sort, search } = query;
  const [generation, setGeneration] = useState(0);
  // What is being read: these filters, since the last reset. Answers for anything else are dropped.
  const listId = `${projectId}:${status}:${sort}:${search}#${generation}`;
  const latest = useRef(listId);
  latest.current = listId;
  const [read, setRead] = useState({ listId, issues: [] as ErrorGroup[], complete: false });
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const inFlight = useRef<string | null>(null);
  const current = read.listId === listId ? read : { listId, issues: [], complete: false };

  const more = useCallback(() => {
    if (current.complete) return;
    const page = Math.floor(current.issues.length / issuesPerPage) + 1;
    const request = `${listId}:${page}`;
    if (inFlight.current === request) return;
    inFlight.current = request;
    setLoading(true);
    issues.list(projectId, { status, sort, search: search || undefined, page, per_page: issuesPerPage }).then(
      (found) => {
        if (latest.current !== listId) return;
        setRead((previous) => {
          const known = previous.listId === listId ? previous.issues : [];
          if (known.length !== (page - 1) * issuesPerPage) return previous;
          return { listId, issues: [...known, ...found], complete: found.length < issuesPerPage };
        });
        setFailure(null);
      },
      (error: unknown) => setFailure(asFailure(error)),
    ).finally(() => {
      if (inFlight.current === request) {
        inFlight.current = null;
        setLoading(false);
      }
    });
  }, [listId, projectId, status, sort, search, current.complete, current.issues.length]);

  // The first page, whenever the filters change or the list is reset.
  useEffect(() => {
    if (current.issues.length === 0 && !current.complete) more();
  }, [more, current.issues.length, current.complete]);

  const reset = useCallback(() => setGeneration((previous) => previous + 1), []);
  return { issues: current.issues, complete: current.complete, loading, failure, more, reset };
}

/** Events per hour of the issues drawn; each asked for once, in the API's batches, and again once `forget` says it changed. */
export function useIssueActivity(projectId: string, drawnIds: readonly string[], hours: number): { countsOf: (id: string) => number[] | undefined; forget: (id: string) => void } {
  const [counts, setCounts] = useState<Map<string, number[]>>(new Map());
  const asked = useRef(new Set<string>());
  const wanted = drawnIds.filter((id) => !asked.current.has(id));
  const wantedKey = wanted.join(',');

  useEffect(() => {
    if (!wantedKey) return;
    const ids = wantedKey.split(',');
    for (const id of ids) asked.current.add(id);
    issues.activity(projectId, ids, hours).then(
      (answers: IssueActivity[]) =>
        setCounts((previous) => {
          const next = new Map(previous);
          for (const answer of answers) next.set(answer.issue_id, answer.counts);
          return next;
        }),
      // Without counts the row simply has no sparkline; asking again when it is drawn again may succeed.
      () => {
        for (const id of ids) asked.current.delete(id);
      },
    );
  }, [projectId, hours, wantedKey]);

  const forget = useCallback((id: string) => asked.current.delete(id), []);
  return { countsOf: (id) => counts.get(id), forget };
}
