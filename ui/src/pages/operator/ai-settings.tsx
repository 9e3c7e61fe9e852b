import { useEffect, useState, type FormEvent } from 'react';
import type { UpdateAiSettings } from '../../../../contracts/api/ai.js';
import { ai } from '../../api/endpoints.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { Field } from '../../components/field.js';
import { useAction, useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';

/*
 * The organization's model provider (owners only): any OpenAI-compatible endpoint. The key is
 * write-only: the page shows whether one is set, never the key; nothing is sent to the provider
 * until it is turned on, and without it the built-in engine answers.
 */
export function AiSettingsPage() {
  const settings = useLoad(() => ai.settings(), 'ai-settings');
  const [enabled, setEnabled] = useState(false);
  const [baseUrl, setBaseUrl] = useState('');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!settings.data) return;
    setEnabled(settings.data.enabled);
    setBaseUrl(settings.data.base_url ?? '');
    setModel(settings.data.model ?? '');
  }, [settings.data]);

  const save = useAction(async (change: UpdateAiSettings) => {
    setSaved(false);
    await ai.updateSettings(change);
    setApiKey('');
    await settings.reload();
    setSaved(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run({
      enabled,
      ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}),
      ...(model.trim() ? { model: model.trim() } : {}),
      ...(apiKey ? { api_key: apiKey } : {}),
    });
  };
  const data = settings.data;

  return (
    <section>
      <h1>AI provider</h1>
      <p className="muted">
        Without a provider, Syntra&apos;s built-in engine answers: rules in code, no model, nothing leaves this machine. With one turned on, analyses, Dockerfiles and chat
        go to it, with secrets and tokens removed first.
      </p>
      <FailureNotice failure={settings.failure} title="Could not read the AI settings" onRetry={() => void settings.reload()} />
      {data ? (
        <form className="panel" onSubmit={submit} aria-label="AI provider">
          <label className="checkbox">
            <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} /> Use this provider
          </label>
          <Field
            label="Base URL"
            type="url"
            placeholder="http://127.0.0.1:11434/v1"
            hint="Any OpenAI-compatible endpoint: OpenAI, Ollama, llama.cpp, vLLM, LM Studio"
            value={baseUrl}
            onChange={(event) => setBaseUrl(event.target.value)}
          />
          <Field label="Model" placeholder="llama3.1" value={model} onChange={(event) => setModel(event.target.value)} />
          <Field
            label="API key"
            type="password"
            autoComplete="new-password"
            hint={data.api_key_set ? 'A key is set; it is never shown. Type a new one to replace it.' : 'No key is set (a local server may need none).'}
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
          />
          <p data-testid="key-state">{data.api_key_set ? 'Key set' : 'No key'}</p>
          <div className="button-row" aria-live="polite">
            <button type="submit" className="primary" disabled={save.busy}>
              {save.busy ? 'Saving…' : 'Save'}
            </button>
            {data.api_key_set ? (
              <button type="button" disabled={save.busy} onClick={() => void save.run({ api_key: null })}>
                Forget the key
              </button>
            ) : null}
            {saved && !save.busy ? <span role="status">Saved</span> : null}
            {data.updated_at ? <span className="muted">Last changed {formatTime(data.updated_at)}</span> : null}
          </div>
          <FailureNotice failure={save.failure} title="The AI settings were not saved" />
        </form>
      ) : null}
    </section>
  );
}
