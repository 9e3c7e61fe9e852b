import { useEffect, useMemo, useRef, useState } from 'react';
import { liveEvents, type LiveBuildLog } from '../../../../contracts/live.js';
import { useLiveRoom } from '../../api/live.js';
import { buildLogText, storedBuildLog, withArrivedLines, type BuildLogLines } from '../../logic/build-log.js';

/*
 * The build's log on the deployment page: live while it builds (socket.io `build_log` to the
 * deployment's room), the stored one after, and both merged by line number in between. Follows
 * the end unless the reader has scrolled up.
 */
export function BuildLog({ deploymentId, stored, onResync }: { deploymentId: string; stored: string | null; onResync: () => void }) {
  const [arrived, setArrived] = useState<BuildLogLines>(new Map());
  const box = useRef<HTMLDivElement>(null);
  useLiveRoom<LiveBuildLog>(
    { kind: 'deployment', id: deploymentId },
    liveEvents.buildLog,
    (message) => message.deployment_id === deploymentId,
    (message) => setArrived((known) => withArrivedLines(known, message)),
    onResync,
  );
  const lines = useMemo(() => buildLogText(storedBuildLog(stored), arrived), [stored, arrived]);
  useEffect(() => {
    const element = box.current;
    if (element && element.scrollHeight - element.scrollTop - element.clientHeight < 48) element.scrollTop = element.scrollHeight;
  }, [lines]);
  if (lines.length === 0) return null;
  return (
    <>
      <h2>Build log</h2>
      <div className="log-box" role="log" aria-label="Build log" aria-live="polite" tabIndex={0} ref={box} data-testid="build-log">
        {lines.map((line, index) => (
          <div key={index}>{line}</div>
        ))}
      </div>
    </>
  );
}
