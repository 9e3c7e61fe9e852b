// The workflow builder with 200 nodes against the same page with 10, in Chromium, against a real
// control plane (embedded PostgreSQL, Temporal) serving ui/dist: the time to the first frame with
// every node drawn, and the frame times while a node is dragged across the canvas.
// Usage: npx tsx bench/ui-builder.ts [runs=10]
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { uiRoot } from '../api/http/ui/plugin.js';
import { chromiumPath } from '../cli/prerequisites.js';
import type { WorkflowDefinition } from '../contracts/api/dag-definition.js';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';

const runs = Number(process.argv[2] ?? 10);
const sizes = [10, 200] as const;
const columns = 10;
const dragSteps = 120;

await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
const owner = benchOwner();
const controlPlane = await startBenchControlPlane(owner.environment);
const post = async (url: string, body: unknown) => {
  const response = await fetch(`${controlPlane.url}/api/v1${url}`, { method: 'POST', headers: { ...owner.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { data: { id: string } }).data;
};

/** `size` wait steps in rows of ten, each leading to the one below it, placed as the builder saves them. */
function gridDefinition(size: number): WorkflowDefinition {
  const id = (index: number) => `step_${index}`;
  return {
    nodes: Array.from({ length: size }, (_, index) => ({
      id: id(index),
      step: { type: 'wait', seconds: 1 },
      position: { x: (index % columns) * 240, y: Math.floor(index / columns) * 120 },
    })),
    edges: Array.from({ length: Math.max(0, size - columns) }, (_, index) => ({ from: id(index), to: id(index + columns) })),
  };
}

const { id: projectId } = await post('/projects', { name: 'bench' });
const workflowIds = new Map<number, string>();
for (const size of sizes) workflowIds.set(size, (await post(`/projects/${projectId}/workflows`, { name: `grid of ${size}`, definition: gridDefinition(size) })).id);

declare global {
  interface Window {
    canvasDrawnMs?: number;
    nodesInDomMs?: number;
    frameTimes?: number[];
    recordingFrames?: boolean;
  }
}
// Text, not functions: tsx would wrap a function with helpers the page does not have.
// The builder renders only the nodes on the canvas. In the DOM: React rendered them (the middle
// one among them); drawn: xyflow measured them all and fitted the view (it hides a node until it knows its size).
const watchCanvas = (middle: number) => `(() => {
  const check = () => {
    const inDom = document.querySelector('.react-flow__node[data-id="step_${middle}"]') !== null;
    if (inDom && window.nodesInDomMs === undefined) window.nodesInDomMs = performance.now();
    if (inDom && !document.querySelector('.react-flow__node[style*="visibility: hidden"]')) window.canvasDrawnMs = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;
const recordFrames = `(() => {
  window.frameTimes = [];
  window.recordingFrames = true;
  let last = performance.now();
  const frame = (now) => {
    window.frameTimes.push(now - last);
    last = now;
    if (window.recordingFrames) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;

interface Sample {
  coldMs: number;
  warmMs: number;
  /** Of the cold load: from every node in the DOM to every node measured and shown. */
  measuringMs: number;
  frames: number[];
}

async function openBuilder(page: Page, size: number): Promise<{ drawnMs: number; measuringMs: number }> {
  await page.goto(`${controlPlane.url}/workflows/${workflowIds.get(size)}`);
  await page.waitForFunction(() => window.canvasDrawnMs !== undefined, undefined, { timeout: 60_000 });
  return page.evaluate(() => ({ drawnMs: window.canvasDrawnMs!, measuringMs: window.canvasDrawnMs! - window.nodesInDomMs! }));
}

async function measure(browser: Browser, size: number): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const login = await context.request.post(`${controlPlane.url}/api/v1/auth/login`, { data: { token: owner.token } });
  if (!login.ok()) throw new Error(`login answered ${login.status()}`);
  // The node in the middle of the grid (fitted around the centre, the only part sure to be on the
  // canvas when xyflow's least zoom cannot show all 200), later dragged across the canvas and back.
  const middle = Math.floor(size / columns / 2) * columns + columns / 2;
  await context.addInitScript({ content: watchCanvas(middle) });
  const page: Page = await context.newPage();
  // A new context has an empty cache: its first load is cold, its second warm.
  const cold = await openBuilder(page, size);
  const warm = await openBuilder(page, size);

  const node = page.locator(`.react-flow__node[data-id="step_${middle}"]`);
  const transform = () => node.evaluate((element) => (element as HTMLElement).style.transform);
  const placed = await transform();
  const box = (await node.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.evaluate(recordFrames);
  await page.mouse.move(x + 300, y + 150, { steps: dragSteps / 2 });
  if ((await transform()) === placed) throw new Error(`the drag did not move step_${middle}`);
  await page.mouse.move(x, y, { steps: dragSteps / 2 });
  const frames = await page.evaluate(() => {
    window.recordingFrames = false;
    return window.frameTimes!.slice(1);
  });
  await page.mouse.up();
  await context.close();
  return { coldMs: cold.drawnMs, warmMs: warm.drawnMs, measuringMs: cold.measuringMs, frames };
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
const samples = new Map<number, Sample[]>(sizes.map((size) => [size, []]));
// Interleaved, so the machine's load weighs on both sizes alike.
for (let run = 0; run < runs; run++) for (const size of sizes) samples.get(size)!.push(await measure(browser, size));
await browser.close();
await controlPlane.stop();

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const figures = (size: number) => {
  const taken = samples.get(size)!;
  const frames = taken.flatMap((sample) => sample.frames);
  const p50 = (pick: (sample: Sample) => number) => percentile(taken.map(pick), 50);
  return { coldP50: p50((sample) => sample.coldMs), warmP50: p50((sample) => sample.warmMs), measuringP50: p50((sample) => sample.measuringMs), frameP50: percentile(frames, 50), frameP95: percentile(frames, 95), frameMax: Math.max(...frames), frames: frames.length };
};
const [small, large] = sizes.map(figures) as [ReturnType<typeof figures>, ReturnType<typeof figures>];
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`workflow builder, ${runs} runs per size, ${dragSteps} mouse moves per drag`);
console.log('| nodes | drawn, cold p50 | warm p50 | of which measuring | drag frame p50 | p95 | max | frames |\n|---|---|---|---|---|---|---|---|');
for (const [size, figure] of [[sizes[0], small], [sizes[1], large]] as const) {
  console.log(
    `| ${size} | ${ms(figure.coldP50)} | ${ms(figure.warmP50)} | ${ms(figure.measuringP50)} | ${ms(figure.frameP50)} | ${ms(figure.frameP95)} | ${ms(figure.frameMax)} | ${figure.frames} |`,
  );
}
const ratio = (pick: (figure: typeof small) => number) => `×${(pick(large) / pick(small)).toFixed(2)}`;
console.log(
  `200 against 10: drawn cold ${ratio((f) => f.coldP50)}, warm ${ratio((f) => f.warmP50)}; drag frame p50 ${ratio((f) => f.frameP50)}, p95 ${ratio((f) => f.frameP95)}`,
);
