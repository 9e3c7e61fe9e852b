import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { AiEngine, ChatRequest } from '../../../../contracts/api/ai.js';
import { ApiFailure } from '../../api/client.js';
import { streamChat } from '../../api/chat-stream.js';
import { ai } from '../../api/endpoints.js';
import { FailureNotice } from '../failure-notice.js';
import { EngineLabel } from './engine-label.js';

/*
 * Questions about the platform, answered as the tokens stream in. Stop aborts the request, which
 * the API notices and stops asking the model. Answered exchanges are stored by the API per user and
 * context, so the panel opens on the conversation so far.
 */

interface Exchange {
  question: string;
  answer: string;
  state: 'streaming' | 'done' | 'stopped' | 'failed';
  engine: AiEngine | null;
  sources: string[];
  error: string | null;
}

export function ChatPanel({ context, subject }: { context: ChatRequest['context']; subject: string }) {
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [message, setMessage] = useState('');
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const running = useRef<AbortController | null>(null);
  useEffect(() => () => running.current?.abort(), []);
  const { service_id, project_id, issue_id } = context;
  useEffect(() => {
    let current = true;
    // A history that fails to load leaves an empty conversation: asking still works.
    ai.chatHistory({ service_id, project_id, issue_id }).then(
      (history) => {
        if (!current) return;
        const earlier = history.map((entry): Exchange => ({ question: entry.question, answer: entry.answer, state: 'done', engine: entry.engine, sources: entry.sources, error: null }));
        setExchanges((asked) => [...earlier, ...asked]);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [service_id, project_id, issue_id]);

  const update = (change: Partial<Exchange> | ((last: Exchange) => Partial<Exchange>)) =>
    setExchanges((current) => {
      const last = current.at(-1);
      if (!last) return current;
      return [...current.slice(0, -1), { ...last, ...(typeof change === 'function' ? change(last) : change) }];
    });

  const ask = async (question: string) => {
    const controller = new AbortController();
    running.current = controller;
    setFailure(null);
    setExchanges((current) => [...current, { question, answer: '', state: 'streaming', engine: null, sources: [], error: null }]);
    try {
      const end = await streamChat({ message: question, context }, controller.signal, (content) => update((last) => ({ answer: last.answer + content })));
      update(end.kind === 'done' ? { state: 'done', engine: end.done.engine, sources: end.done.sources } : { state: 'failed', error: end.error });
    } catch (error) {
      if (controller.signal.aborted) update({ state: 'stopped' });
      else {
        update({ state: 'failed' });
        setFailure(error instanceof ApiFailure ? error : new ApiFailure('INTERNAL_ERROR', error instanceof Error ? error.message : String(error), 0, null));
      }
    } finally {
      if (running.current === controller) running.current = null;
    }
  };
  const streaming = exchanges.at(-1)?.state === 'streaming';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const question = message.trim();
    if (!question || streaming) return;
    setMessage('');
    void ask(question);
  };

  return (
    <div className="panel" aria-labelledby="chat-heading">
      {/* The subject stays out of the heading, which would otherwise share the page's title. */}
      <h2 id="chat-heading">Ask Syntra</h2>
      <p className="muted">About {subject}: what failed, what changed, whether it is healthy.</p>
      <ol className="chat" aria-label="Conversation">
        {exchanges.map((exchange, index) => (
          <li key={index}>
            <p className="chat-question">
              <strong>You:</strong> {exchange.question}
            </p>
            <div className="chat-answer" data-testid="chat-answer" aria-busy={exchange.state === 'streaming'}>
              {exchange.answer}
              {exchange.state === 'streaming' && !exchange.answer ? <span className="muted">Thinking…</span> : null}
            </div>
            {exchange.state === 'stopped' ? <p className="muted">Stopped.</p> : null}
            {exchange.error ? (
              <p className="field-error" role="alert">
                {exchange.error}
              </p>
            ) : null}
            {exchange.engine ? (
              <p className="muted">
                <EngineLabel engine={exchange.engine} />
                {exchange.sources.length > 0 ? ` · from ${exchange.sources.length} record${exchange.sources.length === 1 ? '' : 's'}` : ''}
              </p>
            ) : null}
          </li>
        ))}
      </ol>
      <form className="inline-form" onSubmit={submit} aria-label="Chat">
        <div className="field grow">
          <label htmlFor="chat-message">Question</label>
          <input id="chat-message" value={message} maxLength={4000} placeholder="What failed? Is it healthy? What changed?" onChange={(event) => setMessage(event.target.value)} />
        </div>
        {streaming ? (
          <button type="button" onClick={() => running.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={!message.trim()}>
            Ask
          </button>
        )}
      </form>
      <FailureNotice failure={failure} title="The question was not answered" />
    </div>
  );
}
