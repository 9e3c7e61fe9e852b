import { useState, type ChangeEvent } from 'react';
import type { GeneratedDockerfile } from '../../../../contracts/api/ai.js';
import { ai } from '../../api/endpoints.js';
import { useAction } from '../../hooks.js';
import { FailureNotice } from '../failure-notice.js';
import { Field } from '../field.js';
import { EngineLabel } from './engine-label.js';

/*
 * A Dockerfile for the repository's stack, detected from the files the user picks (package.json,
 * go.mod, requirements.txt…): the control plane does not clone repositories, so the browser reads
 * them and sends their text. The result is shown to copy into the repository.
 */
const maxFiles = 200;

export function DockerfileGenerator() {
  const [repoUrl, setRepoUrl] = useState('');
  const [files, setFiles] = useState<Record<string, string>>({});
  const [generated, setGenerated] = useState<GeneratedDockerfile | null>(null);
  const [copied, setCopied] = useState(false);
  const generate = useAction(async () => {
    setCopied(false);
    setGenerated(await ai.generateDockerfile({ repo_url: repoUrl.trim(), files }));
  });
  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    const picked = [...(event.target.files ?? [])].slice(0, maxFiles);
    const read = await Promise.all(picked.map(async (file) => [file.webkitRelativePath || file.name, await file.text()] as const));
    setFiles(Object.fromEntries(read));
  };
  const copy = () =>
    generated
      ? navigator.clipboard.writeText(generated.dockerfile).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      : undefined;
  const names = Object.keys(files);

  return (
    <fieldset>
      <legend>Dockerfile</legend>
      <p className="muted">Building from a repository? Pick its manifest files and Syntra writes a Dockerfile for the stack it finds.</p>
      <Field label="Git URL" type="url" placeholder="https://github.com/team/web" value={repoUrl} onChange={(event) => setRepoUrl(event.target.value)} />
      <Field label="Manifest files" hint="package.json, lock files, go.mod, requirements.txt, pyproject.toml, index.html…">
        {(control) => <input {...control} type="file" multiple onChange={(event) => void pick(event)} />}
      </Field>
      {names.length > 0 ? <p className="muted" data-testid="picked-files">{names.join(', ')}</p> : null}
      <div className="button-row" aria-live="polite">
        <button type="button" disabled={generate.busy || !repoUrl.trim()} onClick={() => void generate.run()}>
          {generate.busy ? 'Generating…' : 'Generate Dockerfile'}
        </button>
      </div>
      <FailureNotice failure={generate.failure} title="No Dockerfile was generated" />
      {generated ? (
        <div data-testid="generated-dockerfile">
          <p>
            Stack <strong>{generated.stack}</strong>. {generated.explanation}
          </p>
          <pre className="generated" aria-label="Generated Dockerfile" tabIndex={0}>
            {generated.dockerfile}
          </pre>
          <div className="button-row">
            <button type="button" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <EngineLabel engine={generated.engine} />
          </div>
        </div>
      ) : null}
    </fieldset>
  );
}
