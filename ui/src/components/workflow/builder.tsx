import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { DagStep, type DagStepType, type EdgeCondition, type WorkflowDefinition } from '../../../../contracts/api/dag-definition.js';
import {
  blankStep,
  connectionFault,
  definitionOf,
  freshNodeId,
  graphFaults,
  laidOut,
  pasted,
  renamed,
  sameContent,
  sameDefinition,
  stepEdge,
  stepNode,
  type Graph,
  type StepEdge,
  type StepNode,
  type StepNodeData,
} from '../../logic/workflow-graph.js';
import { EdgePanel, NodePanel } from './node-panel.js';
import type { Choices } from './schema-fields.js';
import { nodeTypes } from './step-node.js';
import { useGraphHistory } from './use-graph-history.js';

/*
 * The workflow builder: a palette of the step kinds (drag one onto the canvas, or press it to add
 * it), edges drawn handle to handle or from the node's menu, a connection that would close a cycle
 * refused with a message as it is drawn, the selected node's form at the side, undo and redo,
 * delete, copy and paste from the keyboard, zoom to fit and automatic layout. The definition is
 * checked with the contract's own schema on every change; Save is enabled only for a valid one
 * that differs from what was last saved. Read-only (a role without `workflows.manage`): the graph
 * and the forms can be looked at, nothing moved, drawn or typed.
 *
 * With hundreds of nodes a drag changes the graph on every frame: the faults are computed again
 * only when a node's content or the edges change (a move keeps each node's `data`), and a node's
 * shown data keeps its identity while its fault does not change, so xyflow redraws the moved node
 * alone.
 */

const stepKinds = DagStep.options.map((option) => option.shape.type.value);
const dragFormat = 'application/x-syntra-step';
const pasteOffset = 40;

/** `graphFaults` again only when what it reads changed: a node's data, its id, or the edges. */
function useGraphFaults(graph: Graph) {
  const last = useRef<{ graph: Graph; faults: ReturnType<typeof graphFaults> } | null>(null);
  const previous = last.current;
  if (previous !== null && sameContent(previous.graph, graph)) return previous.faults;
  const faults = graphFaults(graph);
  last.current = { graph, faults };
  return faults;
}

function Canvas({ initial, saved, otherChanges, readOnly, choices, saveLabel, canSave, onSave }: BuilderProps) {
  const flow = useReactFlow<StepNode, StepEdge>();
  const { graph, canUndo, canRedo, commit, replace, undo, redo } = useGraphHistory(initial);
  const [notice, setNotice] = useState('');
  const clipboard = useRef<Graph | null>(null);
  const dragStart = useRef<Graph | null>(null);
  const faults = useGraphFaults(graph);
  const valid = faults.byNode.size === 0 && faults.general.length === 0;
  const dirty = useMemo(() => otherChanges || !sameDefinition(definitionOf(graph), saved), [graph, saved, otherChanges]);

  const shownData = useRef(new WeakMap<StepNodeData, StepNodeData>());
  const shown = useMemo(
    () =>
      graph.nodes.map((node) => {
        const fault = faults.byNode.get(node.id)?.values().next().value;
        let data = shownData.current.get(node.data);
        if (!data || data.fault !== fault) shownData.current.set(node.data, (data = { ...node.data, fault }));
        return { ...node, data };
      }),
    [graph.nodes, faults],
  );
  const selectedNodes = graph.nodes.filter((node) => node.selected);
  const selectedEdges = graph.edges.filter((edge) => edge.selected);

  const addNode = (type: DagStepType, position?: { x: number; y: number }) => {
    const id = freshNodeId(type, graph.nodes.map((node) => node.id));
    const at = position ?? { x: 40 + (graph.nodes.length % 4) * 220, y: 40 + Math.floor(graph.nodes.length / 4) * 120 };
    commit((current) => ({ ...current, nodes: [...current.nodes.map((node) => ({ ...node, selected: false })), stepNode({ id, step: blankStep(type), position: at }, true)] }));
    setNotice(`Added ${type.replace(/_/g, ' ')} node "${id}".`);
  };

  const connect = (from: string, to: string, on: EdgeCondition) => {
    const fault = connectionFault(graph, from, to);
    if (fault) return setNotice(fault);
    commit((current) => ({ ...current, edges: [...current.edges, stepEdge(from, to, on)] }));
    setNotice(`Connected ${from} → ${to} on ${on}.`);
  };

  const remove = (nodeIds: Set<string>, edgeIds: Set<string>) => {
    if (nodeIds.size === 0 && edgeIds.size === 0) return;
    commit((current) => ({
      nodes: current.nodes.filter((node) => !nodeIds.has(node.id)),
      edges: current.edges.filter((edge) => !edgeIds.has(edge.id) && !nodeIds.has(edge.source) && !nodeIds.has(edge.target)),
    }));
    setNotice(`Deleted ${nodeIds.size} node(s) and ${edgeIds.size} edge(s).`);
  };

  const onNodesChange = (changes: NodeChange<StepNode>[]) => {
    const kept = changes.filter((change) => change.type !== 'remove');
    if (kept.length > 0) replace((current) => ({ ...current, nodes: applyNodeChanges(kept, current.nodes) }));
  };
  const onEdgesChange = (changes: EdgeChange<StepEdge>[]) => {
    const kept = changes.filter((change) => change.type !== 'remove');
    if (kept.length > 0) replace((current) => ({ ...current, edges: applyEdgeChanges(kept, current.edges) }));
  };

  const onDrop = (event: DragEvent) => {
    const type = event.dataTransfer.getData(dragFormat) as DagStepType;
    if (readOnly || !stepKinds.includes(type)) return;
    event.preventDefault();
    const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    addNode(type, { x: point.x - 100, y: point.y - 32 });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const mod = event.ctrlKey || event.metaKey;
    if (!mod || readOnly) return;
    const key = event.key.toLowerCase();
    if (key === 'z' && !event.shiftKey) undo();
    else if ((key === 'z' && event.shiftKey) || key === 'y') redo();
    else if (key === 'c' && selectedNodes.length > 0) {
      const ids = new Set(selectedNodes.map((node) => node.id));
      clipboard.current = { nodes: selectedNodes, edges: graph.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)) };
      setNotice(`Copied ${selectedNodes.length} node(s).`);
    } else if (key === 'v' && clipboard.current) {
      const copied = clipboard.current;
      commit((current) => pasted(current, copied, pasteOffset));
      setNotice(`Pasted ${copied.nodes.length} node(s).`);
    } else return;
    event.preventDefault();
  };

  const layOut = () => {
    commit(laidOut);
    requestAnimationFrame(() => void flow.fitView({ padding: 0.2 }));
  };

  const single = selectedNodes.length === 1 ? selectedNodes[0]! : null;
  const edge = !single && selectedEdges.length === 1 ? selectedEdges[0]! : null;

  return (
    <div className="builder">
      <div className="builder-toolbar" role="toolbar" aria-label="Builder">
        {readOnly ? null : (
          <>
            <button type="button" onClick={undo} disabled={!canUndo} aria-keyshortcuts="Control+Z">
              Undo
            </button>
            <button type="button" onClick={redo} disabled={!canRedo} aria-keyshortcuts="Control+Shift+Z">
              Redo
            </button>
            <button type="button" onClick={layOut} disabled={graph.nodes.length === 0}>
              Auto-layout
            </button>
          </>
        )}
        <button type="button" onClick={() => void flow.fitView({ padding: 0.2 })}>
          Zoom to fit
        </button>
        {readOnly ? null : (
          <button
            type="button"
            className="primary"
            disabled={!valid || !canSave || !dirty}
            title={dirty ? undefined : 'Nothing changed since the last save'}
            onClick={() => void onSave(definitionOf(graph) as WorkflowDefinition)}
          >
            {saveLabel}
          </button>
        )}
      </div>
      {readOnly ? <p className="muted">Read only: your role can look at this workflow but not change it.</p> : null}
      <p className="builder-notice" role="status" aria-live="polite" data-testid="builder-notice">
        {notice}
      </p>
      {faults.general.length > 0 && !readOnly ? <p className="field-error">{faults.general.join('; ')}</p> : null}
      <div className={`builder-body${readOnly ? ' builder-body-read-only' : ''}`}>
        {readOnly ? null : (
          <div className="builder-palette" role="group" aria-label="Step kinds">
            <p className="muted">Drag onto the canvas, or press to add</p>
            {stepKinds.map((type) => (
              <button
                key={type}
                type="button"
                draggable
                data-kind={type}
                onDragStart={(event) => {
                  event.dataTransfer.setData(dragFormat, type);
                  event.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={() => addNode(type)}
              >
                {type.replace(/_/g, ' ')}
              </button>
            ))}
          </div>
        )}
        <div className="builder-canvas" data-testid="canvas" onKeyDown={onKeyDown} onDragOver={(event) => event.preventDefault()} onDrop={onDrop}>
          <ReactFlow<StepNode, StepEdge>
            nodes={shown}
            edges={graph.edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            // Off the canvas (200 nodes cannot all be shown at the least zoom) a node is not rendered.
            onlyRenderVisibleElements
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            onConnect={(connection: Connection) => connect(connection.source, connection.target, 'success')}
            onDelete={({ nodes, edges }) => remove(new Set(nodes.map((node) => node.id)), new Set(edges.map((item) => item.id)))}
            onNodeDragStart={() => (dragStart.current = graph)}
            onNodeDragStop={() => {
              const before = dragStart.current;
              dragStart.current = null;
              if (before) commit((current) => current, before);
            }}
            deleteKeyCode={readOnly ? null : ['Backspace', 'Delete']}
            // Fitting an empty canvas would zoom onto the first node dropped: fit only what was loaded.
            fitView={initial.nodes.length > 0}
            fitViewOptions={{ maxZoom: 1 }}
            ariaLabelConfig={{ 'node.a11yDescription.default': 'A step. Press Enter to select it, Delete to remove it, arrow keys to move it.' }}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        {/* Focusable: the panel scrolls, and read-only its disabled controls give the keyboard no way in. */}
        <div className="builder-side" tabIndex={0} role="region" aria-label="Selected node or edge">
          {single ? (
            <NodePanel
              key={single.id}
              node={single.data.node}
              others={graph.nodes.map((node) => node.id).filter((id) => id !== single.id)}
              faults={faults.byNode.get(single.id)}
              choices={choices}
              readOnly={readOnly}
              onChange={(node) => {
                if (node.id !== single.id && graph.nodes.some((other) => other.id === node.id)) return setNotice(`Another node is already "${node.id}".`);
                commit((current) => renamed(current, single.id, node));
              }}
              onConnect={(to, on) => connect(single.id, to, on)}
              onDelete={() => remove(new Set([single.id]), new Set())}
            />
          ) : edge ? (
            <EdgePanel
              edge={edge}
              readOnly={readOnly}
              onChange={(on) => commit((current) => ({ ...current, edges: current.edges.map((item) => (item.id === edge.id ? { ...stepEdge(item.source, item.target, on), selected: true } : item)) }))}
              onDelete={() => remove(new Set(), new Set([edge.id]))}
            />
          ) : (
            <p className="muted">
              {readOnly
                ? 'Select a node or an edge to see its settings.'
                : selectedNodes.length > 1
                  ? `${selectedNodes.length} nodes selected: Ctrl+C copies them, Delete removes them.`
                  : 'Select a node to edit it, or an edge to choose when it is taken.'}
            </p>
          )}
        </div>
      </div>
      <Outline graph={graph} faults={faults.byNode} />
    </div>
  );
}

/** The canvas as text, for screen readers and for a quick read: each node, its kind, its fault, and where it leads. Not drawn again for a move. */
const Outline = memo(OutlineList, (before, after) => before.faults === after.faults && sameContent(before.graph, after.graph));

function OutlineList({ graph, faults }: { graph: Graph; faults: Map<string, Map<string, string>> }) {
  return (
    <section aria-labelledby="outline-title">
      <h2 id="outline-title">Outline</h2>
      {graph.nodes.length === 0 ? <p>No nodes yet.</p> : null}
      <ol data-testid="outline">
        {graph.nodes.map((node) => {
          const fault = faults.get(node.id);
          const next = graph.edges.filter((item) => item.source === node.id);
          return (
            <li key={node.id} data-node={node.id}>
              <strong>{node.id}</strong> ({node.data.node.step.type})
              {next.length > 0 ? ` → ${next.map((item) => `${item.target} on ${item.data?.on ?? 'success'}`).join(', ')}` : ''}
              {fault ? <span className="field-error"> — {[...fault.entries()].map(([field, message]) => (field ? `${field}: ${message}` : message)).join('; ')}</span> : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

interface BuilderProps {
  initial: Graph;
  /** The definition as last saved: Save waits for a difference (undoing back to it disables Save again). */
  saved: ReturnType<typeof definitionOf>;
  /** Something outside the canvas (the name) changed since the last save. */
  otherChanges: boolean;
  /** A role without `workflows.manage`: no palette, nothing moved, drawn, deleted or typed. */
  readOnly: boolean;
  choices: Choices;
  saveLabel: string;
  /** False while saving, or when the page has something else to fix first (the name). */
  canSave: boolean;
  onSave: (definition: WorkflowDefinition) => Promise<void>;
}

export function Builder(props: BuilderProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}
