import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import type { DagNodeResult } from '../../../contracts/api/automation.js';
import { findCycle, WorkflowDefinition, WorkflowNode, type DagStep, type DagStepType, type EdgeCondition } from '../../../contracts/api/dag-definition.js';

/*
 * The builder's graph as the canvas holds it (xyflow nodes and edges) and as the API stores it (a
 * WorkflowDefinition), the checks made while drawing (a connection that would close a cycle is
 * refused before it exists), the faults of the contract's own schema placed at their node and
 * field, and the automatic layout (dagre, top to bottom).
 */

/** `fault`: the node's first fault while building; `result`: its state in a run. */
export type StepNodeData = { node: WorkflowNode; fault?: string | undefined; result?: DagNodeResult | undefined };
export type StepNode = Node<StepNodeData, 'step'>;
export type StepEdge = Edge<{ on: EdgeCondition }>;
export interface Graph {
  nodes: StepNode[];
  edges: StepEdge[];
}

const nodeWidth = 200;
const nodeHeight = 64;
export const nodeSize = { width: nodeWidth, height: nodeHeight };

/** A new step of `type` with the least that kind needs; the form then shows what is still missing. */
export function blankStep(type: DagStepType): DagStep {
  switch (type) {
    case 'http_request':
      return { type, method: 'GET', url: '' };
    case 'wait':
      return { type, seconds: 5 };
    case 'approval':
      return { type, message: '' };
    case 'condition':
      return { type, left: '', operator: 'equals', right: '' };
    case 'scale':
      return { type, service_id: '', replicas: 1 };
    case 'run_workflow':
      return { type, workflow_id: '' };
    case 'notify':
      return { type, alert_id: '', message: '' };
    case 'exec':
      return { type, service_id: '', command: ['sh', '-c', ''] };
    default:
      return { type, service_id: '' } as DagStep;
  }
}

/** The first free id of the form `<kind>_<n>`. */
export function freshNodeId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let index = 1; ; index++) if (!used.has(`${type}_${index}`)) return `${type}_${index}`;
}

export function stepNode(node: WorkflowNode, selected = false): StepNode {
  return { id: node.id, type: 'step', position: node.position ?? { x: 0, y: 0 }, data: { node }, selected };
}

export function stepEdge(from: string, to: string, on: EdgeCondition): StepEdge {
  return { id: `${from}->${to}`, source: from, target: to, data: { on }, label: on, className: `edge-${on}` };
}

export function graphOf(definition: WorkflowDefinition): Graph {
  return {
    nodes: definition.nodes.map((node) => stepNode(node)),
    edges: definition.edges.map((edge) => stepEdge(edge.from, edge.to, edge.on ?? 'success')),
  };
}

/** The definition to save: positions where the canvas has them, `on` left out when it is the default. */
export function definitionOf(graph: Graph): { nodes: WorkflowNode[]; edges: WorkflowDefinition['edges'] } {
  return {
    nodes: graph.nodes.map(({ data, position }) => ({ ...data.node, position: { x: Math.round(position.x), y: Math.round(position.y) } })),
    edges: graph.edges.map(({ source, target, data }) => (data?.on && data.on !== 'success' ? { from: source, to: target, on: data.on } : { from: source, to: target })),
  };
}

/** Whether only positions or selection tell the graphs apart (a move keeps each node's `data`, so identity is enough). */
export function sameContent(a: Graph, b: Graph): boolean {
  return a.edges === b.edges && a.nodes.length === b.nodes.length && a.nodes.every((node, index) => node.id === b.nodes[index]!.id && node.data === b.nodes[index]!.data);
}

/** Key order aside, the same JSON: a form edit may put a field back in another place. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, item]) => [key, canonical(item)]));
}

/** Whether two definitions (as `definitionOf` makes them) say the same thing. */
export function sameDefinition(a: ReturnType<typeof definitionOf>, b: ReturnType<typeof definitionOf>): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Why the edge `from → to` may not be drawn, or null when it may. */
export function connectionFault(graph: Graph, from: string, to: string): string | null {
  if (from === to) return `A node cannot follow itself ("${from}").`;
  if (graph.edges.some((edge) => edge.source === from && edge.target === to)) return `"${from}" already leads to "${to}".`;
  const cycle = findCycle(graph.nodes, [...graph.edges.map((edge) => ({ from: edge.source, to: edge.target })), { from, to }]);
  return cycle ? `Refused: ${from} → ${to} would close the cycle ${cycle.join(' → ')}.` : null;
}

/** Per node id, its faults by field (`step.url`, `id`, or `''` for the node as a whole), from the contract's schemas. */
export type NodeFaults = Map<string, Map<string, string>>;

export function graphFaults(graph: Graph): { byNode: NodeFaults; general: string[] } {
  const byNode: NodeFaults = new Map();
  const general: string[] = [];
  const add = (nodeId: string, field: string, message: string) => {
    const faults = byNode.get(nodeId) ?? new Map<string, string>();
    if (!faults.has(field)) faults.set(field, message);
    byNode.set(nodeId, faults);
  };
  for (const { data } of graph.nodes) {
    const parsed = WorkflowNode.safeParse(data.node);
    if (!parsed.success) for (const issue of parsed.error.issues) add(data.node.id, issue.path.join('.'), issue.message);
  }
  if (graph.nodes.length === 0) return { byNode, general: ['A workflow needs at least one node: add one from the palette.'] };
  if (byNode.size > 0) return { byNode, general };
  const definition = definitionOf(graph);
  const parsed = WorkflowDefinition.safeParse(definition);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [collection, index, ...field] = issue.path;
      const nodeId = collection === 'nodes' && typeof index === 'number' ? definition.nodes[index]?.id : undefined;
      if (nodeId) add(nodeId, field.join('.'), issue.message);
      else general.push(issue.message);
    }
  }
  return { byNode, general };
}

/** Positions from dagre, top to bottom, for every node. */
export function laidOut(graph: Graph): Graph {
  const layout = new dagre.graphlib.Graph();
  layout.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 60 });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) layout.setNode(node.id, { width: nodeWidth, height: nodeHeight });
  for (const edge of graph.edges) layout.setEdge(edge.source, edge.target);
  dagre.layout(layout);
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const { x, y } = layout.node(node.id);
      return { ...node, position: { x: x - nodeWidth / 2, y: y - nodeHeight / 2 } };
    }),
  };
}

/** Nodes copied to paste: the selection and the edges between its own nodes. */
export function pasted(graph: Graph, copied: Graph, offset: number): Graph {
  const renamed = new Map<string, string>();
  const taken = new Set(graph.nodes.map((node) => node.id));
  const nodes = copied.nodes.map((node) => {
    const id = freshNodeId(node.data.node.step.type, taken);
    taken.add(id);
    renamed.set(node.id, id);
    const position = { x: node.position.x + offset, y: node.position.y + offset };
    return stepNode({ ...node.data.node, id, position }, true);
  });
  const edges = copied.edges.flatMap((edge) => {
    const [from, to] = [renamed.get(edge.source), renamed.get(edge.target)];
    return from && to ? [stepEdge(from, to, edge.data?.on ?? 'success')] : [];
  });
  return { nodes: [...graph.nodes.map((node) => ({ ...node, selected: false })), ...nodes], edges: [...graph.edges, ...edges] };
}

/** A node's id changed in the form: its edges follow it. */
export function renamed(graph: Graph, from: string, node: WorkflowNode): Graph {
  return {
    nodes: graph.nodes.map((candidate) => (candidate.id === from ? { ...candidate, id: node.id, data: { node } } : candidate)),
    edges: graph.edges.map((edge) =>
      edge.source === from || edge.target === from
        ? stepEdge(edge.source === from ? node.id : edge.source, edge.target === from ? node.id : edge.target, edge.data?.on ?? 'success')
        : edge,
    ),
  };
}
