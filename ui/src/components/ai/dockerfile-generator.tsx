import { useState, type ChangeEvent } from 'react';
import type { GeneratedDockerfile } from '../../../../contracts/api/ai.js';
import { ai } from '../../api/endpoints.js';
import { useAction } from '../../hooks.js';
import { FailureNotice } from '../failure-notice.js';
import { Field } from '../field.js';
import { DockerfileDiff } from './dockerfile-diff.js';
import { EngineLabel } from './engine-label.js';

/*
 * A Dockerfile for the repository's stack, detected from the files the user picks (package.json,
 * go.mod, requirements.txt…): the control plane does not clone repositories, so the browser reads
 * them and sends their text. The result is shown as a diff against the service's current
 * Dockerfile (its inline one, or the picked file at its path, else nothing), to copy, or, for a
 * service built from the repository, to accept: the form then keeps exactly the text shown as
 * the service's inline Dockerfile, which is what its builds build.
 */
const maxFiles = 200;

/** Accepting hands the result to the form, which keeps it as the service's inline Dockerfile. */
export interface DockerfileAcceptance {
  /** The service's inline Dockerfile, when it has one: the current one. */
  inlineDockerfile: string | null;
  /** Where the service reads its Dockerfile otherwise; the picked file at that path is the current one. */
  dockerfilePath: string;
  onAccept: (generated: GeneratedDockerfile) => void;
}

function currentDockerfile(files: Record<string, string>, dockerfilePath: string): string {
  const wanted = dockerfilePath.replace(/^\.\//, '') || 'Dockerfile';
  const basename = wanted.split('/').at(-1);
  return files[wanted] ?? Object.entries(files).find(([name]) => name.split('/').at(-1) === basename)?.[1] ?? '';
}

export function DockerfileGenerator({ acceptance }: { acceptance?: DockerfileAcceptance }) {
  const [repoUrl, setRepoUrl] = useState('');
  const [files, setFiles] = useState<Record<string, string>>({});
  const [generated, setGenerated] = useState<GeneratedDockerfile | null>(null);
  const [copied, setCopied] = useState(false);
  const [accepted, setAccepted] = useState<string | null>(null);
  const generate = useAction(async () => {
    setCopied(false);
    setAccepted(null);
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
  const accept = () => {
    if (!generated || !acceptance) return;
    acceptance.onAccept(generated);
    setAccepted(generated.stack);
    setGenerated(null);
  };
  const names = Object.keys(files);

  return (
    <fieldset>
      <legend>Dockerfile</legend>
      <p className="muted">
        Building from a repository? Pick its manifest files (and its Dockerfile, to compare) and Syntra writes a Dockerfile for the stack it finds.
      </p>
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
      {accepted ? (
        <p role="status" data-testid="dockerfile-accepted">
          Accepted the {accepted} Dockerfile: once the service is saved, its builds build exactly the text shown, kept with the service as its
          inline Dockerfile (under Source, to read or change), with the repository's files as the build context. Save the service to keep it.
        </p>
      ) : null}
      {generated ? (
        <div data-testid="generated-dockerfile">
          <p>
            Stack <strong>{generated.stack}</strong>. {generated.explanation}
          </p>
          <DockerfileDiff
            current={acceptance?.inlineDockerfile ?? currentDockerfile(files, acceptance?.dockerfilePath ?? 'Dockerfile')}
            generated={generated.dockerfile}
          />
          <div className="button-row">
            {acceptance ? (
              <>
                <button type="button" className="primary" onClick={accept}>
                  Accept
                </button>
                <button type="button" onClick={() => setGenerated(null)}>
                  Discard
                </button>
              </>
            ) : null}
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
