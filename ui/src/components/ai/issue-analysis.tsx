import { useState } from 'react';
import { AiAnalysis } from '../../../../contracts/api/ai.js';
import { ai } from '../../api/endpoints.js';
import { useAction } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { FailureNotice } from '../failure-notice.js';
import { EngineLabel } from './engine-label.js';

/* "Analyze" on an issue: the likely cause, the lines it rests on and a fix; stored on the issue, so a second look is free unless refreshed. */
export function IssueAnalysis({ issueId, stored }: { issueId: string; stored: unknown }) {
  // The issue's stored analysis is JSON the API shaped; one of another shape is simply not shown.
  const [analysis, setAnalysis] = useState<AiAnalysis | null>(() => AiAnalysis.safeParse(stored).data ?? null);
  const analyze = useAction(async (forceRefresh: boolean) => setAnalysis(await ai.analyze(issueId, forceRefresh)));

  return (
    <div className="panel" aria-labelledby="analysis-heading">
      <h2 id="analysis-heading">Analysis</h2>
      <div className="button-row" aria-live="polite">
        {analysis ? (
          <button type="button" disabled={analyze.busy} onClick={() => void analyze.run(true)}>
            Analyze again
          </button>
        ) : (
          <button type="button" className="primary" disabled={analyze.busy} onClick={() => void analyze.run(false)}>
            Analyze
          </button>
        )}
        {analyze.busy ? <span className="muted">Analyzing…</span> : null}
      </div>
      <FailureNotice failure={analyze.failure} title="The analysis failed" />
      {analysis ? (
        <div data-testid="analysis">
          <p>
            <strong>{analysis.summary}</strong> <span className="muted">({analysis.confidence} confidence)</span>
          </p>
          <dl className="kv analysis">
            <dt>What is wrong</dt>
            <dd>{analysis.whats_wrong}</dd>
            <dt>Likely cause</dt>
            <dd>{analysis.possible_cause}</dd>
            <dt>Fix</dt>
            <dd>{analysis.suggested_fix}</dd>
          </dl>
          {analysis.evidence.length > 0 ? (
            <>
              <h3>Evidence</h3>
              <ul aria-label="Evidence" className="evidence">
                {analysis.evidence.map((line, index) => (
                  <li key={index}>
                    <code>{line}</code>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <p>
            <EngineLabel engine={analysis.engine} model={analysis.model} /> <span className="muted">· {formatTime(analysis.analyzed_at)}</span>
          </p>
        </div>
      ) : null}
    </div>
  );
}
