import type { DeploymentDetail, DeploymentEvent, DeploymentStatus } from '../../contracts/api/resources.js';
import type { LiveDeploymentEvent, LiveLogLines } from '../../contracts/live.js';
import { liveEvents } from '../../contracts/live.js';
import { openLive } from '../client/live.js';
import { colors, onTerminal, shortId, statusText, takesEscapes } from '../terminal/output.js';
import { plainBar, progressView } from '../terminal/progress.js';
import { ask, interactive } from '../terminal/prompt.js';
import { ExitWith, exitCodes } from '../terminal/exit-codes.js';
import type { Session } from './session.js';

/*
 * A deployment followed to its end: each phase with its progress as the agent reports it, the
 * service's log lines of this deployment beneath, over socket.io; and a re-read over REST after
 * every (re)join and every few seconds, because the database says how it ended, not the socket.
 * Ctrl-C asks whether to cancel the deployment or stop watching; without a terminal it stops
 * watching, and the deployment goes on.
 */

const REREAD_INTERVAL_MS = 5_000;
const finalStatuses: ReadonlySet<DeploymentStatus> = new Set(['running', 'failed', 'rolled_back', 'cancelled']);

export const deploymentSucceeded = (deployment: { status: DeploymentStatus }) => deployment.status === 'running';

/** One report as a line: at a terminal its percent only, the live bar beneath showing it. */
function eventLine(event: DeploymentEvent, live: boolean): string {
  const time = colors.dim(event.at.slice(11, 19));
  const percent = event.progress_percent;
  const progress = percent === null ? '' : live ? ` ${percent}%` : ` ${plainBar(percent)}`;
  const phase = event.phase ? ` ${event.phase}` : '';
  return `${time} ${statusText(event.status).padEnd(onTerminal ? 25 : 15)}${phase}${progress} ${event.message}`.trimEnd();
}

export interface WatchOptions {
  /** Where progress goes: stdout, or stderr when stdout carries --json. */
  stream: NodeJS.WriteStream;
  serviceLabel: string;
}

export async function watchDeployment(api: Session, deploymentId: string, serviceId: string, options: WatchOptions): Promise<DeploymentDetail> {
  const view = progressView(options.stream, takesEscapes(options.stream));
  const write = view.log;
  const shown = new Set<string>();
  const problems = new Set<string>();
  const show = (event: DeploymentEvent) => {
    if (shown.has(event.id)) return;
    shown.add(event.id);
    write(eventLine(event, view.live));
    for (const line of event.logs) write(colors.dim(`    ${line}`));
    // A report without a percent starts a phase that has none: the bar of the last one goes.
    if (event.progress_percent === null) view.clear();
    else view.progress(event.phase ?? event.status, event.progress_percent);
  };

  return new Promise<DeploymentDetail>((resolve, reject) => {
    let finished = false;
    let rereading = false;
    const live = openLive(api.url, api.token, (problem) => {
      if (problems.has(problem)) return;
      problems.add(problem);
      write(colors.yellow(problem));
    });
    const finish = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      process.off('SIGINT', onInterrupt);
      live.close();
      view.clear();
      outcome();
    };
    const reread = async () => {
      if (finished || rereading) return;
      rereading = true;
      try {
        const detail = await api.call('getDeployment', { params: { deploymentId } });
        detail.events.forEach(show);
        if (finalStatuses.has(detail.status)) finish(() => resolve(detail));
      } catch (error) {
        finish(() => reject(error));
      } finally {
        rereading = false;
      }
    };
    const timer = setInterval(() => void reread(), REREAD_INTERVAL_MS);

    live.on<LiveDeploymentEvent>(liveEvents.deploymentEvent, (message) => {
      if (message.deployment_id !== deploymentId) return;
      show(message.event);
      if (message.event.source === 'control_plane' || finalStatuses.has(message.event.status as DeploymentStatus)) void reread();
    });
    live.on<LiveLogLines>(liveEvents.logLines, (message) => {
      for (const line of message.lines) if (line.deployment_id === deploymentId) write(colors.dim(`  │ ${line.message}`));
    });
    live.join({ kind: 'deployment', id: deploymentId }, () => void reread());
    live.join({ kind: 'service_logs', id: serviceId }, () => {});

    let asking = false;
    async function onInterrupt() {
      const detach = () =>
        finish(() => {
          process.stderr.write(`Stopped watching; deployment ${shortId(deploymentId)} goes on. \`syntra status ${options.serviceLabel}\` shows how it ends.\n`);
          reject(new ExitWith(exitCodes.detached));
        });
      if (!interactive() || asking) return detach();
      asking = true;
      view.clear();
      const answer = (await ask(`\nCancel deployment ${shortId(deploymentId)}, or only stop watching? [c]ancel / [d]etach: `)).toLowerCase();
      asking = false;
      if (!answer.startsWith('c')) return detach();
      try {
        await api.call('cancelDeployment', { params: { deploymentId } });
        write(colors.yellow('Cancelling…'));
        await reread();
      } catch (error) {
        finish(() => reject(error));
      }
    }
    process.on('SIGINT', onInterrupt);
    void reread();
  });
}

/** The last line of a watch, and the exit code CI reads. */
export function reportOutcome(detail: DeploymentDetail, serviceLabel: string, write: (line: string) => void): number {
  const seconds = detail.finished_at && detail.started_at ? ` in ${Math.round((Date.parse(detail.finished_at) - Date.parse(detail.started_at)) / 1000)}s` : '';
  if (deploymentSucceeded(detail)) {
    write(colors.green(`✓ ${serviceLabel}: deployment ${shortId(detail.id)} is running${seconds}`));
    return exitCodes.ok;
  }
  process.stderr.write(`syntra: ${serviceLabel}: deployment ${shortId(detail.id)} ended ${detail.status}${detail.error_message ? `: ${detail.error_message}` : ''}\n`);
  return exitCodes.deploymentFailed;
}
