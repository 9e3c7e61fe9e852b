import { useState } from 'react';
import { DagStep, EdgeCondition, NodeRetry, WorkflowNode } from '../../../../contracts/api/dag-definition.js';
import type { StepEdge } from '../../logic/workflow-graph.js';
import { SchemaFields, type Choices } from './schema-fields.js';

/*
 * The side panel of the builder: the selected node's form (generated from the contract's schema
 * of its kind), a menu to connect it to another node without dragging, and the selected edge's
 * `on`. Faults come from the same schemas, keyed by field path.
 */

const stepShapeOf = (type: DagStep['type']) => DagStep.options.find((option) => option.shape.type.value === type)!.shape;

export function NodePanel({
  node,
  others,
  faults,
  choices,
  readOnly,
  onChange,
  onConnect,
  onDelete,
}: {
  node: WorkflowNode;
  others: string[];
  faults: Map<string, string> | undefined;
  choices: Choices;
  readOnly: boolean;
  onChange: (node: WorkflowNode) => void;
  onConnect: (to: string, on: EdgeCondition) => void;
  onDelete: () => void;
}) {
  const [target, setTarget] = useState('');
  const [on, setOn] = useState<EdgeCondition>('success');
  const general = faults?.get('');
  return (
    <section className="node-panel" aria-labelledby="node-panel-title">
      <h2 id="node-panel-title">
        {node.step.type.replace(/_/g, ' ')} node “{node.id}”
      </h2>
      {general ? <p className="field-error">{general}</p> : null}
      {/* A disabled fieldset disables every control in it, the nested fieldsets' too. */}
      <fieldset className="panel-fields" disabled={readOnly}>
        <SchemaFields
          shape={WorkflowNode.shape}
          skip={['step', 'retry', 'position']}
          prefix=""
          values={node}
          faults={faults}
          onChange={(values) => onChange({ ...(values as WorkflowNode), step: node.step })}
        />
        <fieldset>
          <legend>Step</legend>
          <SchemaFields
            shape={stepShapeOf(node.step.type)}
            skip={['type']}
            prefix="step."
            values={node.step}
            faults={faults}
            choices={choices}
            onChange={(values) => onChange({ ...node, step: values as DagStep })}
          />
        </fieldset>
        <fieldset>
          <legend>Retry</legend>
          <SchemaFields
            shape={NodeRetry.shape}
            prefix="retry."
            values={node.retry ?? {}}
            faults={faults}
            onChange={(values) => {
              const { retry: _retry, ...rest } = node;
              onChange(Object.keys(values).length === 0 ? rest : { ...rest, retry: values as NodeRetry });
            }}
          />
        </fieldset>
      </fieldset>
      {others.length > 0 && !readOnly ? (
        <fieldset>
          <legend>Connect to another node</legend>
          <label htmlFor="connect-target">Next node</label>
          <select id="connect-target" value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="">(choose)</option>
            {others.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
          <label htmlFor="connect-on">Taken on</label>
          <select id="connect-on" value={on} onChange={(event) => setOn(event.target.value as EdgeCondition)}>
            {EdgeCondition.options.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
          <button type="button" disabled={!target} onClick={() => onConnect(target, on)}>
            Connect
          </button>
        </fieldset>
      ) : null}
      {readOnly ? null : (
        <button type="button" className="danger" onClick={onDelete}>
          Delete node
        </button>
      )}
    </section>
  );
}

export function EdgePanel({ edge, readOnly, onChange, onDelete }: { edge: StepEdge; readOnly: boolean; onChange: (on: EdgeCondition) => void; onDelete: () => void }) {
  return (
    <section className="node-panel" aria-labelledby="edge-panel-title">
      <h2 id="edge-panel-title">
        Edge {edge.source} → {edge.target}
      </h2>
      <label htmlFor="edge-on">Taken when “{edge.source}”</label>
      <select id="edge-on" disabled={readOnly} value={edge.data?.on ?? 'success'} onChange={(event) => onChange(event.target.value as EdgeCondition)}>
        {EdgeCondition.options.map((option) => (
          <option key={option} value={option}>
            {option === 'always' ? 'always (ends either way)' : option === 'success' ? 'success (or true)' : 'failure (or false)'}
          </option>
        ))}
      </select>
      {readOnly ? null : (
        <button type="button" className="danger" onClick={onDelete}>
          Delete edge
        </button>
      )}
    </section>
  );
}
