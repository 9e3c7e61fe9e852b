/*
 * The V8 flags the agent runs with, wherever it is started for real (the install script's systemd
 * unit and foreground start; self-update keeps its own process's flags). Under a telemetry load
 * the agent's live heap stays near 25 MB, and V8 kept its old generation's limit just above that:
 * it marked the whole heap every ~65 ms, a third of the agent's CPU (docs/benchmarks.md). A
 * 128 MB initial limit lets garbage gather before a collection. It is where collections start,
 * not memory taken up front: an idle agent stays as small as before.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];
