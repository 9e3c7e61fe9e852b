import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { DagNodeState } from '../../../../contracts/api/automation.js';
import type { StepNode } from '../../logic/workflow-graph.js';

/* One node on the canvas: its kind and name, a fault marker while building, its state in a run (an icon and a word, never colour alone). */

export const stateIcons: Record<DagNodeState, string> = {
  pending: '○',
  running: '▶',
  waiting_approval: '‖',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  cancelled: '⊘',
};

function StepNodeView({ data, selected }: NodeProps<StepNode>) {
  const { node, fault, result } = data;
  const state = result?.state;
  return (
    <div
      className={`step-node${selected ? ' step-node-selected' : ''}${fault ? ' step-node-faulty' : ''}${state ? ` step-node-${state}` : ''}`}
      data-node-id={node.id}
      data-state={state}
      title={fault}
    >
      <Handle type="target" position={Position.Top} />
      <div className="step-node-kind">
        {state ? <span aria-hidden="true">{stateIcons[state]} </span> : null}
        {node.step.type.replace(/_/g, ' ')}
        {fault ? <span className="step-node-fault" aria-label="has a fault"> ⚠</span> : null}
      </div>
      <div className="step-node-name">{node.name ?? node.id}</div>
      {state ? <div className="step-node-state">{state.replace(/_/g, ' ')}</div> : null}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

// Memoized: a node whose props did not change (its data keeps its identity) is not drawn again while another is dragged.
export const nodeTypes = { step: memo(StepNodeView) };
