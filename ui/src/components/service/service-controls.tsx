import { useState, type FormEvent } from 'react';
import type { ServiceWithDeployments } from '../../../../contracts/api/resources.js';
import { services } from '../../api/endpoints.js';
import { useAction } from '../../hooks.js';
import { useCan } from '../../session.js';
import { Field } from '../field.js';
import { FailureNotice } from '../failure-notice.js';

/** Deploy (a tag), Scale and Restart: each a form that submits with Enter and reports its outcome. */
export function ServiceControls({ service, onChanged }: { service: ServiceWithDeployments; onChanged: () => Promise<void> }) {
  const image = service.source_type === 'image' ? service.source_config.image : null;
  const [tag, setTag] = useState(image?.tag ?? '');
  const [rollbackOnFailure, setRollbackOnFailure] = useState(true);
  const [replicas, setReplicas] = useState(String(service.replicas));
  const [notice, setNotice] = useState<string | null>(null);
  const can = { deploy: useCan('deploy'), scale: useCan('scale'), restart: useCan('restart') };

  const deploy = useAction(async () => {
    setNotice(null);
    await services.deploy(service.id, { ...(image && tag.trim() ? { image_tag: tag.trim() } : {}), rollback_on_failure: rollbackOnFailure });
    await onChanged();
  });
  const scale = useAction(async () => {
    setNotice(null);
    const scaled = await services.scale(service.id, Number(replicas));
    setNotice(`Scaling to ${scaled.replicas} replica${scaled.replicas === 1 ? '' : 's'}.`);
    await onChanged();
  });
  const restart = useAction(async () => {
    setNotice(null);
    await services.restart(service.id);
    setNotice('Restart requested.');
    await onChanged();
  });
  const submit = (run: () => Promise<void>) => (event: FormEvent) => {
    event.preventDefault();
    void run();
  };

  if (!can.deploy && !can.scale && !can.restart) {
    return <p className="muted">Your role may read this service but not deploy, scale or restart it.</p>;
  }
  return (
    <section className="panel controls" aria-label="Operations">
      {can.deploy ? (
        <form onSubmit={submit(deploy.run)} className="inline-form">
          {image ? <Field label="Image tag" name="image_tag" value={tag} onChange={(event) => setTag(event.target.value)} /> : null}
          <label className="checkbox">
            <input type="checkbox" checked={rollbackOnFailure} onChange={(event) => setRollbackOnFailure(event.target.checked)} /> Roll back
            automatically if it fails
          </label>
          <button type="submit" className="primary" disabled={deploy.busy}>
            {deploy.busy ? 'Starting…' : 'Deploy'}
          </button>
        </form>
      ) : null}
      {can.scale ? (
        <form onSubmit={submit(scale.run)} className="inline-form">
          <Field label="Replicas" name="replicas" type="number" min={0} max={100} value={replicas} onChange={(event) => setReplicas(event.target.value)} />
          <button type="submit" disabled={scale.busy || !/^\d+$/.test(replicas)}>
            {scale.busy ? 'Scaling…' : 'Scale'}
          </button>
        </form>
      ) : null}
      {can.restart ? (
        <button type="button" disabled={restart.busy} onClick={() => void restart.run()}>
          {restart.busy ? 'Restarting…' : 'Restart'}
        </button>
      ) : null}
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <FailureNotice failure={deploy.failure} title="Could not start the deployment" />
      <FailureNotice failure={scale.failure} title="Could not scale" />
      <FailureNotice failure={restart.failure} title="Could not restart" />
    </section>
  );
}
